package server

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every application ID a server accepts has a lease key JetStream takes,
// leads back to it, and is kept as it stands where it already was one (the
// key nodes of earlier versions use).
func TestLeaseKeyOfEveryApplicationID(t *testing.T) {
	jetStreamKey := regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`) // nats.go jetstream keyValid
	for _, app := range []string{"demo", "acme.corp", "a-b_c", "ops@acme.example", ".x", "x.", "a..b", "@", strings.Repeat("@", DefaultLimits().MaxIDLen)} {
		assert.True(t, validID(app, DefaultLimits().MaxIDLen), app)
		k := leaseKey(app)
		assert.Regexp(t, jetStreamKey, k, app)
		assert.False(t, k[0] == '.' || k[len(k)-1] == '.' || strings.Contains(k, ".."), "%q → %q", app, k)
		back, ok := appOfLeaseKey(k)
		assert.True(t, ok, app)
		assert.Equal(t, app, back)
	}
	assert.Equal(t, "acme.corp", leaseKey("acme.corp"))
	assert.NotEqual(t, leaseKey("ops@acme"), leaseKey(token("ops@acme")), "an encoded key is no plain ID's")
}
