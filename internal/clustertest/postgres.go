//go:build linux

package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// postgres is a PostgreSQL server of the cluster's own, in its folder: a
// test restarts it, which the suite's shared server (scripts/postgres.sh)
// must never be, as other packages' tests use it at the same time.
type postgres struct {
	bin, data, sockDir string
	port               int
	cred               *syscall.Credential
	p                  *proc
	DSN                string // database "huddle", role "huddle"
}

// postgresBin is the newest installed PostgreSQL's bin folder, or "".
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) < versionOf(dirs[j]) })
	if len(dirs) > 0 {
		return dirs[len(dirs)-1]
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// startPostgres initdbs a cluster in dir/pg and starts it. PostgreSQL
// refuses to run as root: as root it runs as "nobody".
func startPostgres(t testing.TB, bin, dir string) *postgres {
	t.Helper()
	pg := &postgres{bin: bin, data: filepath.Join(dir, "pg", "data"), sockDir: filepath.Join(dir, "pg"), port: freePort(t)}
	if err := os.MkdirAll(pg.sockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("PostgreSQL cannot run as root and there is no user nobody: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// nobody must reach its folder through the cluster's.
		if err := os.Chmod(dir, 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(pg.sockDir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pw := filepath.Join(pg.sockDir, "pw")
	if err := os.WriteFile(pw, []byte("huddle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	initdb := newProc(pg.sockDir, "initdb", filepath.Join(bin, "initdb"), "-D", pg.data, "-U", "huddle",
		"--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile="+pw, "-E", "UTF8", "--no-sync")
	initdb.cred = pg.cred
	initdb.start(t)
	<-initdb.exited
	if initdb.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("initdb failed\n%s", initdb.tail())
	}
	pg.p = newProc(filepath.Dir(pg.sockDir), "postgres", filepath.Join(bin, "postgres"), "-D", pg.data,
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(pg.port), "-c", "unix_socket_directories="+pg.sockDir,
		"-c", "fsync=off", "-c", "full_page_writes=off")
	pg.p.cred = pg.cred
	pg.start(t)
	pg.exec(t, "CREATE DATABASE huddle")
	pg.DSN = fmt.Sprintf("postgres://huddle:huddle@127.0.0.1:%d/huddle?sslmode=disable", pg.port)
	return pg
}

// start runs the server on its data and waits until it takes connections.
func (pg *postgres) start(t testing.TB) {
	t.Helper()
	pg.p.start(t)
	deadline := time.Now().Add(readyTimeout)
	for {
		ready := exec.Command(filepath.Join(pg.bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.port))
		if ready.Run() == nil {
			return
		}
		if !pg.p.running() || time.Now().After(deadline) {
			t.Fatalf("PostgreSQL did not start\n%s", pg.p.tail())
		}
		time.Sleep(25 * time.Millisecond) // pg_isready has no way to wait for readiness by itself
	}
}

// stop shuts it down as an operator would (SIGINT: fast shutdown, open
// connections cut).
func (pg *postgres) stop() {
	if !pg.p.running() {
		return
	}
	pg.p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-pg.p.exited:
	case <-time.After(readyTimeout):
		pg.p.cmd.Process.Kill()
		<-pg.p.exited
	}
}

func (pg *postgres) exec(t testing.TB, sql string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(pg.bin, "psql"), "-q", "-h", pg.sockDir, "-p", strconv.Itoa(pg.port),
		"-U", "huddle", "-d", "postgres", "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
}
