package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"huddle/protocol"
)

// runCmd: at each load level (SendCmd round trips per second across all
// pairs) every pair's sender sends a 200-byte command to its receiver at
// its share of the rate for cfg.Duration. The time measured is the whole
// round trip the SDK's SendCmdRlst reports: send_cmd → server → cmd_data
// → the receiver's cmd_ack → server → the sender's answer.
func runCmd(ctx context.Context, cfg Config, t *target) ([]Row, error) {
	p := cfg.Pairs
	if err := checkFiles(2*p, t); err != nil {
		return nil, err
	}
	receiverDialer, senderDialer := t.pairDialers(cfg.Sources)
	cmdData := []byte(`"ev":"cmd_data"`)
	// The receivers acknowledge through their own client, known only once
	// the pool is up; no command is sent before then.
	var ready atomic.Pointer[[]*client]
	receivers, err := pool(ctx, receiverDialer, cfg, p, func(i int) string { return fmt.Sprintf("receiver-%d", i) },
		func(i int) func([]byte, time.Time) {
			return func(line []byte, _ time.Time) {
				if !bytes.Contains(line, cmdData) {
					return
				}
				var m struct {
					D protocol.CmdData `json:"d"`
				}
				if json.Unmarshal(line, &m) != nil {
					return
				}
				if rs := ready.Load(); rs != nil {
					(*rs)[i].oneWay(protocol.OpCmdAck, protocol.CmdAck{N: m.D.N})
				}
			}
		}, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(receivers)
	ready.Store(&receivers)
	senders, err := pool(ctx, senderDialer, cfg, p, func(i int) string { return fmt.Sprintf("sender-%d", i) }, nil, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(senders)

	payload := bytes.Repeat([]byte("x"), 200)
	var rtt histogram
	var rows []Row
	for _, rate := range cfg.Rates {
		rtt.reset()
		done, failed, took := paced(ctx, p, rate, cfg.Duration, func(i int) error {
			sent := time.Now()
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if _, err := senders[i].request(rctx, protocol.OpSendCmd, protocol.SendCmd{To: receivers[i].user, Data: payload}); err != nil {
				return err
			}
			rtt.add(time.Since(sent))
			return nil
		})
		rows = append(rows, pacedRow("cmd", fmt.Sprintf("%d cmds/s", rate), "round trips", done, failed, took, &rtt,
			fmt.Sprintf("%d pairs, %d commands of %d bytes", p, done, len(payload))))
		if ctx.Err() != nil {
			return rows, ctx.Err()
		}
	}
	return rows, nil
}
