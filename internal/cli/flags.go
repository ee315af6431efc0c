package cli

import (
	"errors"
	"flag"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v3"
)

// envPrefix starts the environment variable of every `huddle serve` flag.
const envPrefix = "HUDDLE"

// parseWithEnv parses args, then sets every flag not given there from its
// environment variable: HUDDLE_ and the flag's name in capitals with '-' as
// '_' (--tls-cert: HUDDLE_TLS_CERT). Each flag's help names its variable.
func parseWithEnv(fs *flag.FlagSet, args []string) error {
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " (env " + envVar(f.Name) + ")" })
	err := ff.Parse(fs, args, ff.WithEnvVarPrefix(envPrefix))
	if errors.Is(err, flag.ErrHelp) {
		return flag.ErrHelp // the help was printed; no "error parsing" around it
	}
	return err
}

// envVar is ff's name for a flag's variable, for the help text.
func envVar(flagName string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// envOr is key's value, or def if unset, for the few other commands' flags
// that read one variable each.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
