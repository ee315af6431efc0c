package media

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes pion's own log lines into a Peer's slog logger, so that
// what pion reports about a connection (its errors at Error, the rest at
// Debug, as pion itself prints only errors by default) lands where the
// application's logs go, with the pion component that said it.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

// debugf formats only a line that will be logged: pion formats some
// structs without their locks (onTrack's "%+v" of a track that
// SetRemoteDescription may be writing), a race nobody should pay for a
// line nobody reads.
func (l pionLogger) debugf(format string, args []any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug(fmt.Sprintf(format, args...))
	}
}

func (l pionLogger) Trace(msg string)                  { l.log.Debug(msg) }
func (l pionLogger) Tracef(format string, args ...any) { l.debugf(format, args) }
func (l pionLogger) Debug(msg string)                  { l.log.Debug(msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.debugf(format, args) }
func (l pionLogger) Info(msg string)                   { l.log.Debug(msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.debugf(format, args) }
func (l pionLogger) Warn(msg string)                   { l.log.Debug(msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.debugf(format, args) }
func (l pionLogger) Error(msg string)                  { l.log.Error(msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.log.Error(fmt.Sprintf(format, args...)) }
