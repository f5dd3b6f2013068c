package http_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/sqlite"
)

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)

	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := rhttp.New(rhttp.Config{Directory: db, Clients: db, Keys: keysOf(t, db)})
	if err := s.Open("127.0.0.1:0", certFile, ""); roster.ErrorCode(err) != roster.EINVALID {
		t.Fatalf("a certificate without its key: %v", err)
	}
	if err := s.Open("127.0.0.1:0", certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.BaseURL(), "https://127.0.0.1:") {
		t.Errorf("base URL %s", s.BaseURL())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, time.Minute) }()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := client.Get(s.BaseURL() + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%v %v", res, err)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A request that does not finish within the shutdown timeout is cut off,
// and Serve says so.
func TestServeCutsOffRequestsPastTheTimeout(t *testing.T) {
	e := newEnv(t)
	db2 := openStore(t, e.path)
	s := rhttp.New(rhttp.Config{Directory: db2, Clients: db2, Keys: keysOf(t, db2)})
	if err := s.Open("127.0.0.1:0", "", ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, 100*time.Millisecond) }()

	id, secret := e.client("", roster.ScopeSetupWrite)
	body, send := io.Pipe()
	defer send.Close()
	req, _ := http.NewRequest(http.MethodPut, s.BaseURL()+"/api/v1/setup", body)
	req.Header.Set("Authorization", "Bearer "+e.token(id, secret))
	go func() {
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	io.WriteString(send, "tenants:\n")
	for inFlight(t, s.BaseURL()) < 2 { // the PUT and this request
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("serve: %v", err)
	}
}

// inFlight reads the number of requests being answered from /metrics.
func inFlight(t *testing.T, base string) int {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "roster_http_requests_in_flight "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatal("no roster_http_requests_in_flight in the metrics")
	return 0
}
