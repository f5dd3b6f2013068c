package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/roster-dev/roster"
)

// BenchmarkTokenIssuance: POST /oauth2/token with a secret in the form,
// over loopback, one token stored per request.
func BenchmarkTokenIssuance(b *testing.B) {
	e := newEnv(&testing.T{})
	id, secret := e.client("", roster.ScopeUsersRead)
	body := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := http.Post(e.url+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(body))
			if err != nil || res.StatusCode != http.StatusOK {
				b.Fatal(err, res.Status)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

// BenchmarkAuthenticatedRequest: GET /api/v1/columns with a bearer token
// (one token lookup in the directory, then the catalogue as JSON).
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := newEnv(&testing.T{})
	id, secret := e.client("", roster.ScopeUsersRead)
	tok := e.token(id, secret)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v1/columns", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != http.StatusOK {
				b.Fatal(err, res.Status)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

// The routing measurements behind the choice of huma (docs/decisions.md,
// "Issue 7: server"): the same small JSON operation through a plain
// ServeMux handler and through huma on the same ServeMux, in memory, so
// that only the framework's own cost is measured.

type thing struct {
	Name  string   `json:"name" maxLength:"100"`
	Users []string `json:"users"`
}

type thingOutput struct{ Body thing }

func plainMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /things", func(w http.ResponseWriter, r *http.Request) {
		var in thing
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(in)
	})
	return mux
}

func humaMux() http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, huma.DefaultConfig("bench", "1"))
	huma.Post(api, "/things", func(ctx context.Context, in *thingOutput) (*thingOutput, error) { return in, nil })
	// An upload that the handler streams, as jobs will.
	huma.Register(api, huma.Operation{Method: http.MethodPost, Path: "/upload"}, func(ctx context.Context, in *upload) (*struct{}, error) {
		_, err := io.Copy(io.Discard, in.body)
		return nil, err
	})
	return mux
}

type upload struct{ body io.Reader }

func (u *upload) Resolve(ctx huma.Context) []error { u.body = ctx.BodyReader(); return nil }

func benchmarkRouting(b *testing.B, h http.Handler) {
	const body = `{"name":"Sales","users":["alice","bob","carol"]}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/things", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

func BenchmarkRoutingServeMux(b *testing.B) { benchmarkRouting(b, plainMux()) }
func BenchmarkRoutingHuma(b *testing.B)     { benchmarkRouting(b, humaMux()) }

// zeros is a body of n zero bytes that costs nothing to make.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	clear(p[:k])
	z.n -= int64(k)
	return k, nil
}

// A 1 GiB upload through huma to a handler that streams it allocates a
// few kilobytes: huma does not read a body its operation does not declare.
func TestHumaStreamsAnUndeclaredBody(t *testing.T) {
	h := humaMux()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := httptest.NewRequest(http.MethodPost, "/upload", &zeros{n: 1 << 30})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	runtime.ReadMemStats(&after)
	if w.Code != http.StatusNoContent && w.Code != http.StatusOK {
		t.Fatal(w.Code, w.Body.String())
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("a 1 GiB upload allocated %d bytes", alloc)
	}
}
