package bot_test

import (
	"bufio"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/bot"
	"huddle/internal/testkit"
	"huddle/media"
	"huddle/session"
)

// tone writes a looped-tone WAV for --play and opens it as the bot would.
func tone(t *testing.T, freq float64) media.Source {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tone.wav")
	require.NoError(t, media.WriteToneWAV(path, freq, 1))
	src, err := media.OpenWAVSource(path)
	require.NoError(t, err)
	return src
}

// recorder makes a --record WAV file; the test reads it while the bot
// writes (its header is valid after every frame).
func recorder(t *testing.T) (string, *media.WAVSink) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "heard.wav")
	sink, err := media.CreateWAVSink(path)
	require.NoError(t, err)
	t.Cleanup(func() { sink.Close() })
	return path, sink
}

// recordJitter is the buffer `huddle bot --record` uses.
const recordJitter = 10

// recording reads what the bot has recorded so far.
func recording(t *testing.T, path string) []int16 {
	t.Helper()
	rate, pcm, err := media.ReadWAV(path)
	require.NoError(t, err)
	require.Equal(t, media.SampleRate, rate)
	return pcm
}

const frame = media.FrameSamples

// firstLoud is the first frame of pcm that is not silence, or -1.
func firstLoud(pcm []int16) int {
	for i := 0; i+frame <= len(pcm); i += frame {
		if media.Level(pcm[i:i+frame]) > 0.05 {
			return i
		}
	}
	return -1
}

// heardTone waits for a second of sound in the recording and checks it:
// the sound starts within the recording's first second, no 20 ms frame of
// that second is silent, and every 100 ms of it is freq.
func heardTone(t *testing.T, path string, freq float64) {
	t.Helper()
	require.Eventually(t, func() bool {
		pcm := recording(t, path)
		start := firstLoud(pcm)
		return start >= 0 && len(pcm) >= start+media.SampleRate
	}, 20*time.Second, 50*time.Millisecond, "a second of sound")
	pcm := recording(t, path)
	start := firstLoud(pcm)
	require.Less(t, start, media.SampleRate, "the sound starts %d ms into the recording", start*1000/media.SampleRate)
	heard := pcm[start : start+media.SampleRate]
	for i := 0; i < len(heard); i += frame {
		require.Greater(t, media.Level(heard[i:i+frame]), 0.05, "a gap at %d ms", i*1000/media.SampleRate)
	}
	for i := 0; i < len(heard); i += media.SampleRate / 10 {
		require.InDelta(t, freq, media.DominantFrequency(heard[i:i+media.SampleRate/10], media.SampleRate), 10, "at %d ms", i*1000/media.SampleRate)
	}
}

// voiceBot starts a bot whose voice is set by tweak.
func voiceBot(t *testing.T, url, name string, tweak func(*bot.Config)) *bot.Bot {
	t.Helper()
	return testkit.StartBotWith(t, url, name, 0, tweak)
}

func TestTwoBotsHearEachOthersTone(t *testing.T) {
	srv := testkit.StartServer(t)
	bobHeard, bobSink := recorder(t)
	voiceBot(t, srv.URL, "bob", func(c *bot.Config) {
		c.Play, c.Record, c.JitterFrames = tone(t, 660), bobSink, recordJitter
	})
	adaHeard, adaSink := recorder(t)
	voiceBot(t, srv.URL, "ada", func(c *bot.Config) {
		c.CallUser, c.Play, c.Record, c.JitterFrames = "bob", tone(t, 440), adaSink, recordJitter
	})
	heardTone(t, bobHeard, 440)
	heardTone(t, adaHeard, 660)
	// Two bots go direct: the server's SFU forwards none of it.
	require.Zero(t, forwardedRTP(t, srv))
}

// forwardedRTP is how many RTP packets the server's SFU has forwarded
// (its /metrics, which loopback may read).
func forwardedRTP(t *testing.T, srv *testkit.Server) float64 {
	t.Helper()
	resp, err := http.Get("http://" + srv.Addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "huddle_media_rtp_forwarded_total "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			return f
		}
	}
	return 0
}

func TestThreeBotMeetingRecorderHearsBothTones(t *testing.T) {
	srv := testkit.StartServer(t)
	heard, sink := recorder(t)
	voiceBot(t, srv.URL, "carol", func(c *bot.Config) { c.Record, c.JitterFrames = sink, recordJitter })
	voiceBot(t, srv.URL, "bob", func(c *bot.Config) { c.Play = tone(t, 660) })
	voiceBot(t, srv.URL, "ada", func(c *bot.Config) {
		c.CallUser, c.InviteUser, c.Play = "bob", "carol", tone(t, 440)
	})
	// Every 100 ms of a whole second holds both tones.
	require.Eventually(t, func() bool {
		pcm := recording(t, heard)
		if len(pcm) < media.SampleRate {
			return false
		}
		last := pcm[len(pcm)-media.SampleRate:]
		for i := 0; i < len(last); i += media.SampleRate / 10 {
			w := last[i : i+media.SampleRate/10]
			if media.Power(w, media.SampleRate, 440) < 0.2 || media.Power(w, media.SampleRate, 660) < 0.2 {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond)
}

func TestBotCallsOnceTheUserIsOnlineAndHangsUpAfter(t *testing.T) {
	srv := testkit.StartServer(t)
	voiceBot(t, srv.URL, "ada", func(c *bot.Config) { c.CallUser, c.HangupAfter = "bob", 500*time.Millisecond })
	bob := testkit.Login(t, srv.URL, "bob")
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	require.Equal(t, "ada", in.CallerID)
	bob.AcceptCall(in.CallID, session.MeetInfo{}, "", "a")
	testkit.Await(t, bob, func(e session.NotifyCallHungup) bool { return e.CallID == in.CallID })
	// Once per run: no second call.
	testkit.Sync(t, bob)
	require.Len(t, testkit.All[session.NotifyCallIn](bob), 1)
}

// A bot whose connection drops comes back within the grace period, restarts
// ICE, and is heard again without anyone doing anything.
func TestBotAudioResumesAfterADrop(t *testing.T) {
	srv := testkit.StartServer(t)
	heard, sink := recorder(t)
	voiceBot(t, srv.URL, "bob", func(c *bot.Config) { c.Record, c.JitterFrames = sink, recordJitter })
	proxy := testkit.StartProxy(t, srv.Addr)
	ada := testkit.StartBotWith(t, "ws://"+proxy.Addr()+"/ws", "ada", 0, func(c *bot.Config) {
		c.CallUser, c.Play = "bob", tone(t, 440)
	})
	heardTone(t, heard, 440)
	proxy.Cut()
	awaitBack(t, ada)
	after := len(recording(t, heard))
	require.Eventually(t, func() bool {
		pcm := recording(t, heard)
		if len(pcm) < after+media.SampleRate {
			return false
		}
		last := pcm[len(pcm)-media.SampleRate/2:]
		return media.DominantFrequency(last, media.SampleRate) == 440 && media.Level(last) > 0.2
	}, 20*time.Second, 50*time.Millisecond, "the tone, a second after ada came back")
}

// A bot that speaks only G.711 (as the Windows build) and one that speaks
// only Opus share no codec: the server keeps their call on the SFU, which
// transcodes between them, and they hear each other.
func TestOpusBotAndG711BotHearEachOther(t *testing.T) {
	if !media.OpusBuiltIn() {
		t.Skip("this build has no Opus")
	}
	pcmu, err := media.CodecsNamed("PCMU")
	require.NoError(t, err)
	opus, err := media.CodecsNamed("opus")
	require.NoError(t, err)
	srv := testkit.StartServer(t)
	bobHeard, bobSink := recorder(t)
	voiceBot(t, srv.URL, "bob", func(c *bot.Config) {
		c.Play, c.Record, c.JitterFrames, c.Codecs = tone(t, 660), bobSink, recordJitter, pcmu
	})
	adaHeard, adaSink := recorder(t)
	voiceBot(t, srv.URL, "ada", func(c *bot.Config) {
		c.CallUser, c.Play, c.Record, c.JitterFrames, c.Codecs = "bob", tone(t, 440), adaSink, recordJitter, opus
	})
	heardTone(t, bobHeard, 440)
	heardTone(t, adaHeard, 660)
	require.Positive(t, forwardedRTP(t, srv), "through the SFU")
}
