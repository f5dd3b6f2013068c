package form

import "net/http"

// Tenant is the picker of the tenant the console shows.
type Tenant struct {
	// Tenant is a tenant's name, or empty for all tenants.
	Tenant string
	// Back is the page to return to.
	Back string
}

// NewTenant reads the tenant picker. The page to return to is the one the
// picker was on, as the browser's Referer names it when it is ours.
func NewTenant(r *http.Request) *Tenant {
	back := "/"
	if ref := r.Referer(); ref != "" {
		if u, err := r.URL.Parse(ref); err == nil && u.Host == r.Host {
			back = LocalPath(u.RequestURI())
		}
	}
	return &Tenant{Tenant: r.PostFormValue("tenant"), Back: back}
}
