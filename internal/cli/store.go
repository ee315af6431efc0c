package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"huddle/server/store"
)

// storeOpenTimeout bounds connecting to PostgreSQL and migrating its
// schema at start: an unreachable host fails the command instead of
// hanging it.
const storeOpenTimeout = 30 * time.Second

// postgresUsage is the help of every command's --postgres flag.
const postgresUsage = "PostgreSQL DSN (postgres://user:pass@host/db) to keep applications, users and meetings in, shared by the nodes of a cluster; without it, SQLite in the data folder"

// openStore opens PostgreSQL at dsn if given, else the SQLite database of
// the data folder dir. For SQLite the folder must exist unless create:
// listing or removing must not make an empty database out of a typo.
func openStore(dsn, dir string, create bool) (store.Store, error) {
	if dsn != "" {
		ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
		defer cancel()
		pg, err := store.OpenPostgres(ctx, dsn)
		if err != nil {
			return nil, err // not a nil *Postgres in a non-nil Store
		}
		return pg, nil
	}
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	lite, err := store.OpenSQLite(filepath.Join(dir, "huddle.db"))
	if err != nil {
		return nil, err
	}
	return lite, nil
}
