package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
)

// Each scenario, run small against an in-process server, logs its clients
// in, sees every change it causes and writes a table row and a CSV row.
func TestScenariosRunAgainstARealServer(t *testing.T) {
	csvPath := filepath.Join(t.TempDir(), "out.csv")
	for _, sc := range []string{"connections", "presence", "calls", "cmd"} {
		t.Run(sc, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), Config{
				Scenario: sc, InProc: true,
				Clients: 20, Subscribers: 10, Changers: []int{1, 2}, Pairs: 3, Rates: []int{30},
				Duration: 300 * time.Millisecond, CSV: csvPath, Out: &out,
			})
			require.NoError(t, err, out.String())
			assert.Contains(t, out.String(), sc)
			assert.NotContains(t, out.String(), "not seen by all")
			assert.NotContains(t, out.String(), "failed")
		})
	}
	rows := readCSV(t, csvPath)
	require.Len(t, rows, 1+1+2+1+1, "header, connections, two presence levels, one call rate, one cmd rate")
	assert.Equal(t, csvHeader, rows[0])
	for _, r := range rows[1:] {
		assert.NotEqual(t, "0.0", r[2], "every level delivered something: %v", r)
	}
}

func TestUnknownScenarioIsAnError(t *testing.T) {
	err := Run(context.Background(), Config{Scenario: "nope", InProc: true, Out: &bytes.Buffer{}})
	assert.ErrorContains(t, err, "unknown scenario")
}

// The transfer scenario relays real files and measures raw TCP beside them.
func TestTransferScenarioComparesWithRawTCP(t *testing.T) {
	csvPath := filepath.Join(t.TempDir(), "out.csv")
	var out bytes.Buffer
	err := Run(context.Background(), Config{Scenario: "transfer", InProc: true, FileMiB: 2,
		Duration: time.Millisecond, CSV: csvPath, Out: &out})
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "2 files alice → server → bob")
	rows := readCSV(t, csvPath)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"transfer", "2 MiB file"}, rows[1][:2])
	assert.NotEqual(t, "0.0", rows[1][2], "MB/s relayed")
	assert.Regexp(t, `relay/TCP \d+\.\d\d`, rows[1][7])
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

// Against the nodes of a cluster, each scenario spreads its clients over
// them, and every call, command and status change crosses nodes.
func TestScenariosAcrossClusterNodes(t *testing.T) {
	// Nodes set up for load, as docs/performance.md runs them: with the
	// default per-connection limits (MsgBurst 200, MsgRate 50/s) the
	// presence changer was refused after about 200 changes and waited 10 s
	// for a push that never came.
	c := testkit.StartCluster(t, 2, testkit.WithLimits(func(l *server.Limits) {
		load := loadLimits()
		l.ConnsPerIP, l.MsgRate, l.MsgBurst = load.ConnsPerIP, load.MsgRate, load.MsgBurst
		l.LoginRatePerIP, l.LoginRatePerApp, l.LoginBurst = load.LoginRatePerIP, load.LoginRatePerApp, load.LoginBurst
	}))
	servers := c.Nodes[0].URL + "," + c.Nodes[1].URL
	for _, sc := range []string{"connections", "presence", "calls", "cmd", "transfer"} {
		t.Run(sc, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), Config{
				Scenario: sc, Server: servers,
				Clients: 20, Subscribers: 10, Changers: []int{1}, Pairs: 3, Rates: []int{30}, FileMiB: 1,
				Duration: 300 * time.Millisecond, Out: &out,
			})
			require.NoError(t, err, out.String())
			assert.Contains(t, out.String(), "server: "+c.Nodes[0].URL+", "+c.Nodes[1].URL+" (external)")
			assert.NotContains(t, out.String(), "not seen by all")
			assert.NotContains(t, out.String(), "failed")
		})
	}
}

// The two sides of every pair are on different servers, whatever the
// number of servers and pairs.
func TestPairDialersSpanTwoServers(t *testing.T) {
	for _, urls := range [][]string{{"a", "b"}, {"a", "b", "c"}, {"a", "b", "c", "d", "e", "f"}} {
		first, second := (&target{urls: urls}).pairDialers(1)
		seen := map[string]bool{}
		for i := range 12 {
			assert.NotEqual(t, first.url(i), second.url(i), "pair %d of %v", i, urls)
			seen[first.url(i)], seen[second.url(i)] = true, true
		}
		assert.Len(t, seen, len(urls), "every server used")
	}
	one, other := (&target{urls: []string{"a"}}).pairDialers(1)
	assert.Equal(t, one.url(5), other.url(5), "one server: both sides on it")
}

// The voice scenario sets up a real meeting, then calls, with Opus
// through the SFU, and times every packet's trip: every talker is heard,
// each by the members it should be.
func TestVoiceScenarioTimesPacketsThroughTheSFU(t *testing.T) {
	var out bytes.Buffer
	csvPath := filepath.Join(t.TempDir(), "voice.csv")
	err := Run(context.Background(), Config{
		Scenario: "voice", InProc: true, Calls: []int{2}, Members: 4, Speakers: 2, Concurrency: 2,
		Duration: time.Second, CSV: csvPath, Out: &out,
	})
	require.NoError(t, err, out.String())
	rows := readCSV(t, csvPath)
	require.Len(t, rows, 3, out.String())
	assert.Equal(t, []string{"voice", "meeting of 4, 2 speaking"}, rows[1][:2])
	assert.Equal(t, []string{"voice", "2 calls (4 streams)"}, rows[2][:2])
	// In the meeting 2 speakers heard by 3 members each (setting it up
	// waited until every member heard them); 4 streams in the calls.
	for i, streams := range map[int]int{1: 6, 2: 4} {
		rate, err := strconv.ParseFloat(rows[i][2], 64)
		require.NoError(t, err)
		assert.Positive(t, rate, "packets forwarded: %v", rows[i])
		assert.NotEqual(t, "0.00", rows[i][4], "trips were timed: %v", rows[i])
		assert.Contains(t, rows[i][7], fmt.Sprintf("%d streams forwarded", streams))
	}
}

// A meeting needs speakers, and no more than its members.
func TestVoiceMeetingSpeakersAreChecked(t *testing.T) {
	err := Run(context.Background(), Config{Scenario: "voice", InProc: true, Calls: []int{1}, Members: 3, Speakers: 4, Out: &bytes.Buffer{}})
	assert.ErrorContains(t, err, "needs 1 to 3 speakers")
}

// The replayed frames are real Opus payloads: two seconds of them, each
// no longer than Opus allows.
func TestVoiceFramesAreTwoSecondsOfOpus(t *testing.T) {
	frames, err := voiceFrames()
	require.NoError(t, err)
	require.Len(t, frames, 100)
	for _, f := range frames {
		assert.True(t, len(f) > 2 && len(f) <= 1275, "frame of %d bytes", len(f))
	}
}

// A status change the server refuses (RATE_LIMITED, 1200: a server with
// its default per-connection limits) is reported as refused, with the
// server's code, the moment the answer comes: not waited for as a change
// that subscribers never saw.
func TestPresenceReportsChangesTheServerRefused(t *testing.T) {
	srv := testkit.StartSingle(t, testkit.WithLimits(func(l *server.Limits) {
		l.MsgRate, l.MsgBurst = 1, 30 // a changer is refused after a few dozen changes
	}))
	var out bytes.Buffer
	err := Run(context.Background(), Config{
		Scenario: "presence", Server: srv.URL,
		Subscribers: 5, Changers: []int{1}, Duration: 3 * time.Second, Out: &out,
	})
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "refused by the server (code 1200", out.String())
	assert.NotContains(t, out.String(), "not seen by all", "a refused change is no lost notification")
}

// Several load processes against one server each sign in users of their
// own (--user-prefix): nobody is pushed off by a second login of the same
// user.
func TestLoadProcessesWithTheirOwnUsersDoNotKickEachOtherOut(t *testing.T) {
	srv := testkit.StartSingle(t, testkit.WithLimits(func(l *server.Limits) {
		load := loadLimits()
		l.MsgRate, l.MsgBurst, l.LoginRatePerApp = load.MsgRate, load.MsgBurst, load.LoginRatePerApp
	}))
	outs := make([]bytes.Buffer, 2)
	errs := make(chan error, 2)
	for i, prefix := range []string{"a-", "b-"} {
		go func() {
			errs <- Run(context.Background(), Config{Scenario: "connections", Server: srv.URL, UserPrefix: prefix,
				Clients: 30, Concurrency: 4, Duration: 500 * time.Millisecond, Out: &outs[i]})
		}()
	}
	for range outs {
		require.NoError(t, <-errs)
	}
	for i := range outs {
		assert.Contains(t, outs[i].String(), "30 clients in", outs[i].String())
		assert.NotContains(t, outs[i].String(), "disconnected", outs[i].String())
	}
}
