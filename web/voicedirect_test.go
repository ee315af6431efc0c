package web_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/bot"
	"huddle/internal/testkit"
)

// serverMetric is one sample of the server's /metrics, summed over its
// nodes, 0 where it has none.
func serverMetric(t *testing.T, srv *testkit.Server, name string) float64 {
	t.Helper()
	sum := 0.0
	for _, addr := range srv.NodeAddrs() {
		resp, err := http.Get("http://" + addr + "/metrics")
		require.NoError(t, err)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
				f, err := strconv.ParseFloat(v, 64)
				require.NoError(t, err)
				sum += f
			}
		}
		resp.Body.Close()
	}
	return sum
}

// The page and a bot alone in a call talk peer to peer, as two bots do
// (docs/protocol.md, "Media modes"): each hears the other's tone and the
// server's SFU forwards none of it. The page sorts first, so it offers.
// CloseMic stops the page's audio itself, and a third member moves the
// meeting to the SFU, where the page hears both bots on a new connection.
func TestPageTalksDirectlyWithABot(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openVoicePage(t, srv, toneWAV(t, 660))
	p.login("web")
	heard, sink := botRecorder(t)
	testkit.StartBotWith(t, srv.URL, "zoe", 0, func(c *bot.Config) {
		c.CallUser, c.Play, c.Record, c.JitterFrames = "web", botTone(t, 440), sink, 10
	})
	ring := p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "a")`, ring[0], mustJSON(t, ring[1])), nil)
	p.await("AcceptCallSuccess", "null")
	p.eval(`CRVideo_OpenMic("")`, nil)
	require.Eventually(t, func() bool { return serverMetric(t, srv, "huddle_media_direct_meetings") == 1 }, 20*time.Second, 50*time.Millisecond, "the meeting direct")
	// The bot, alone in the meeting until the page joined its audio, may
	// have sent some to the SFU; from now on the SFU carries nothing.
	before := serverMetric(t, srv, "huddle_media_rtp_forwarded_total")
	pageHears(t, p, 440)
	require.Eventually(t, func() bool { return recordedPower(t, heard, 660) > 0.5 }, 20*time.Second, 50*time.Millisecond, "the bot hears the page")
	require.Equal(t, before, serverMetric(t, srv, "huddle_media_rtp_forwarded_total"), "the SFU forwarded the audio of a two-member call")
	require.Equal(t, 1.0, serverMetric(t, srv, "huddle_media_direct_meetings"))
	var n int
	p.eval(`pcs.length`, &n)
	require.Equal(t, 1, n, "one connection, to the bot")

	// The server cannot silence a direct member: the page itself stops
	// sending when its microphone closes.
	p.eval(`CRVideo_CloseMic("")`, nil)
	require.Eventually(t, func() bool { return recordedPower(t, heard, 660) < 0.01 }, 10*time.Second, 50*time.Millisecond, "CloseMic silences the page")

	// A third member: the meeting moves to the SFU, where the page hears both.
	heard3, sink3 := botRecorder(t)
	testkit.StartBotWith(t, srv.URL, "bob", 0, func(c *bot.Config) {
		c.Play, c.Record, c.JitterFrames = botTone(t, 550), sink3, 10
	})
	p.eval(fmt.Sprintf(`CRVideo_ClientInvite("bob", %s, "i")`, mustJSON(t, ring[1])), nil)
	require.Eventually(t, func() bool { return serverMetric(t, srv, "huddle_media_direct_meetings") == 0 }, 20*time.Second, 50*time.Millisecond, "the meeting on the SFU")
	require.Eventually(t, func() bool {
		var n int
		p.eval(`pcs.length > 1 ? pcs[pcs.length - 1].getReceivers().length : 0`, &n)
		return n >= 2
	}, 20*time.Second, 50*time.Millisecond, "a new connection, to the SFU, with a section for each bot")
	pageHears(t, p, 440, 550)
	// The third hears the caller through the SFU. (Not the page: by now
	// the browser's noise suppression has taken the page's steady tone
	// down to about -50 dBFS; TestPageInAMeetingOfThree hears it fresh.)
	require.Eventually(t, func() bool { return recordedPower(t, heard3, 440) > 0.5 }, 20*time.Second, 50*time.Millisecond, "the third hears the caller")
	require.Greater(t, serverMetric(t, srv, "huddle_media_rtp_forwarded_total"), before, "the SFU forwards")
	var closed bool
	p.eval(`pcs[0].connectionState === 'closed'`, &closed)
	require.True(t, closed, "the direct connection closed")

	p.eval(`CRVideo_Logout()`, nil)
	require.Eventually(t, func() bool { return micsReleased(p) }, 10*time.Second, 50*time.Millisecond, "the microphone released")
}
