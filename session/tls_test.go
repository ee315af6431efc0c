package session_test

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
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// selfSigned writes a certificate for 127.0.0.1 signed by itself and returns
// the files and the parsed certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "huddle test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err = x509.ParseCertificate(der)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile, cert
}

func TestTLSSelfSignedIsSSLErrUnlessTrusted(t *testing.T) {
	certFile, keyFile, cert := selfSigned(t)
	srv, err := server.New(server.Config{
		DataDir: t.TempDir(), HashCost: bcrypt.MinCost, Demo: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, certFile, keyFile) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	url := "wss://" + ln.Addr().String() + "/ws"

	// Default TLS settings: the system roots do not know this certificate.
	c := testkit.NewClient(t, url)
	loginAs(c, "demo", "demo", "alice", "untrusted")
	assert.Equal(t, session.LoginFail{Err: session.SSL_ERR, Cookie: "untrusted"}, testkit.Await[session.LoginFail](t, c, nil))

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	ok := testkit.NewClient(t, url, func(cfg *session.Config) { cfg.TLSConfig = &tls.Config{RootCAs: roots} })
	loginAs(ok, "demo", "demo", "alice", "trusted")
	assert.Equal(t, "alice", testkit.Await[session.LoginSuccess](t, ok, nil).UsrID)
	ok.GetUserStatus("works")
	testkit.Await[session.GetUserStatusSuccess](t, ok, nil)
}
