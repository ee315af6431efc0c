// Package pgtest gives tests a fresh PostgreSQL database of their own on
// a real server, never a mock: the one named by $HUDDLE_TEST_POSTGRES, which
// ./test.sh starts (scripts/postgres.sh).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the server tests create their databases on: a DSN whose
// role may CREATE DATABASE.
const EnvDSN = "HUDDLE_TEST_POSTGRES"

// EnvRequire, set to 1 (./test.sh does), makes a missing EnvDSN a failure
// instead of a skip.
const EnvRequire = "HUDDLE_REQUIRE_POSTGRES"

// DSN creates database test_<random> on the server of $HUDDLE_TEST_POSTGRES
// and returns a DSN for it; the database is dropped when the test ends. Without
// the variable the test is skipped (failed under HUDDLE_REQUIRE_POSTGRES=1).
func DSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDSN)
	if admin == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s=1 but %s is unset: ./test.sh starts PostgreSQL with scripts/postgres.sh", EnvRequire, EnvDSN)
		}
		t.Skipf("PostgreSQL tests skipped: set %s to a DSN whose role may create databases (scripts/postgres.sh starts one), or run ./test.sh", EnvDSN)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	exec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { exec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	return dsn
}

// exec runs one statement on its own connection: CREATE and DROP DATABASE
// cannot run inside a transaction or on the database they drop.
func exec(t testing.TB, dsn, stmt string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// withDatabase is dsn with its database replaced by name, in either of
// libpq's forms (URL, or key=value where a later key wins).
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return fmt.Sprintf("%s dbname=%s", dsn, name), nil
}
