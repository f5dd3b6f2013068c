package catalog

// Info is a column as `roster columns --json` and the API's
// GET /api/v1/columns show it.
type Info struct {
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases"`
	Resource string   `json:"resource"`
	Type     string   `json:"type"`
	Required string   `json:"required"`
	Secret   bool     `json:"secret"`
	Default  string   `json:"default,omitempty"`
	Rule     string   `json:"rule"`
}

// Infos describes every column of the catalogue, in catalogue order.
func Infos() []Info {
	infos := make([]Info, 0, len(Columns))
	for _, c := range Columns {
		info := Info{Name: c.Name, Aliases: c.Aliases, Resource: c.Resource, Type: c.Type.String(), Secret: c.Secret,
			Default: c.Default, Required: c.Requirement(), Rule: c.Describe()}
		if c.Doc != "" {
			info.Rule += "; " + c.Doc
		}
		if info.Aliases == nil {
			info.Aliases = []string{}
		}
		infos = append(infos, info)
	}
	return infos
}
