package web_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/bot"
	"huddle/internal/testkit"
	"huddle/media"
	"huddle/server"
)

// The page as a voice endpoint: a Chromium whose microphone is a WAV file
// (Chromium's fake capture device, looped), talking with Go bots through
// the server's SFU. The page measures what it hears itself (WebAudio, a
// Goertzel per 100 ms); the bots record what they hear.

// toneWAV writes a second of a sine at freq.
func toneWAV(t *testing.T, freq float64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%v.wav", freq))
	require.NoError(t, media.WriteToneWAV(path, freq, 1))
	return path
}

// openVoicePage opens the test page in a Chromium whose microphone plays
// micWAV, with the microphone allowed and sound allowed to play without a
// click (what a user's click gives a real page).
func openVoicePage(t *testing.T, srv *testkit.Server, micWAV string) *page {
	t.Helper()
	return openPageWith(t, srv, "page.html", "", voiceFlags(micWAV)...)
}

// botTone opens a looped tone for a bot's --play.
func botTone(t *testing.T, freq float64) media.Source {
	t.Helper()
	src, err := media.OpenWAVSource(toneWAV(t, freq))
	require.NoError(t, err)
	return src
}

// botRecorder is a bot's --record: a WAV the test reads while it grows.
func botRecorder(t *testing.T) (string, *media.WAVSink) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "heard.wav")
	sink, err := media.CreateWAVSink(path)
	require.NoError(t, err)
	t.Cleanup(func() { sink.Close() })
	return path, sink
}

// recordedPower is the power of freq (media.Power) over the last half
// second the bot recorded, 0 before there is one.
func recordedPower(t *testing.T, path string, freq float64) float64 {
	t.Helper()
	rate, pcm, err := media.ReadWAV(path)
	require.NoError(t, err)
	if len(pcm) < rate/2 {
		return 0
	}
	return media.Power(pcm[len(pcm)-rate/2:], rate, freq)
}

// pageHears says what the page hears in the 2 s after it first hears
// anything: per receiving section with sound, the share of its 100 ms
// blocks whose dominant frequency is each of freqs.
func pageHears(t *testing.T, p *page, freqs ...float64) {
	t.Helper()
	var blocks [][]float64
	p.eval(`heard()`, &blocks)
	require.Len(t, blocks, len(freqs), "sections with sound: %v", blocks)
	var got []float64
	for _, b := range blocks {
		n := map[float64]int{}
		for _, f := range b {
			n[f]++
		}
		best := 0.0
		for f, c := range n {
			if c > n[best] {
				best = f
			}
		}
		// Most of the 2 s: the first block may straddle the start.
		require.GreaterOrEqual(t, n[best], len(b)*8/10, "blocks of one section: %v", b)
		got = append(got, best)
	}
	assert.ElementsMatch(t, freqs, got, "what the page hears: %v", blocks)
}

// micsReleased says whether every microphone the page opened is stopped
// and every connection closed.
func micsReleased(p *page) bool {
	var ok bool
	p.eval(`mics.length > 0 && mics.every(s => s.getTracks().every(t => t.readyState === 'ended')) &&
		pcs.every(pc => pc.connectionState === 'closed')`, &ok)
	return ok
}

// A bot playing 440 Hz calls the page, which accepts: the page hears
// 440 Hz; once it opens its microphone (660 Hz) the bot hears it, and
// CloseMic silences it; hanging up releases the microphone.
func TestPageTalksWithABotInACall(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openVoicePage(t, srv, toneWAV(t, 660))
	recordRooms(p)
	p.login("web")
	heard, sink := botRecorder(t)
	testkit.StartBotWith(t, srv.URL, "ada", 0, func(c *bot.Config) {
		c.CallUser, c.Play, c.Record, c.JitterFrames = "web", botTone(t, 440), sink, 10
	})
	ring := p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "a")`, ring[0], mustJSON(t, ring[1])), nil)
	p.await("AcceptCallSuccess", "null")
	pageHears(t, p, 440)

	// The page's microphone is closed on entering: the bot hears nothing.
	assert.Less(t, recordedPower(t, heard, 660), 0.05)
	p.eval(`CRVideo_OpenMic("")`, nil)
	require.Eventually(t, func() bool { return recordedPower(t, heard, 660) > 0.5 }, 20*time.Second, 50*time.Millisecond, "the bot hears the page")
	p.eval(`CRVideo_CloseMic("")`, nil)
	require.Eventually(t, func() bool { return recordedPower(t, heard, 660) < 0.01 }, 10*time.Second, 50*time.Millisecond, "CloseMic silences the page")
	var energy int
	p.eval(`CRVideo_GetMicEnergy("")`, &energy)
	assert.Zero(t, energy, "a closed microphone's energy")

	p.eval(fmt.Sprintf(`CRVideo_HangupCall(%q, "", "h")`, ring[0]), nil)
	p.await("HangupCallSuccess", "null")
	require.Eventually(t, func() bool { return micsReleased(p) }, 10*time.Second, 50*time.Millisecond, "the microphone released")
}

// A meeting of three: a bot (440 Hz) calls the page and invites another
// (550 Hz), who records. The page hears both bots on their own sections,
// the recorder hears the page and the caller, and each member's level
// reaches the page (MicEnergyUpdate). Signing out releases the microphone.
func TestPageInAMeetingOfThree(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openVoicePage(t, srv, toneWAV(t, 660))
	p.eval(`window.energy = {}; CRVideo_MicEnergyUpdate.callback = (u, o, n) => { energy[u] = Math.max(energy[u] || 0, n); }`, nil)
	p.login("web")
	heard, sink := botRecorder(t)
	testkit.StartBotWith(t, srv.URL, "bob", 0, func(c *bot.Config) {
		c.Play, c.Record, c.JitterFrames = botTone(t, 550), sink, 10
	})
	testkit.StartBotWith(t, srv.URL, "ada", 0, func(c *bot.Config) {
		c.CallUser, c.InviteUser, c.Play = "web", "bob", botTone(t, 440)
	})
	ring := p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "a")`, ring[0], mustJSON(t, ring[1])), nil)
	p.await("AcceptCallSuccess", "null")
	p.eval(`CRVideo_OpenMic("")`, nil)
	require.Eventually(t, func() bool {
		var n int
		p.eval(`pcs.length ? pcs[pcs.length - 1].getReceivers().length : 0`, &n)
		return n >= 2
	}, 20*time.Second, 50*time.Millisecond, "a receiving section for each bot")
	pageHears(t, p, 440, 550)
	// Both tones stand out of the mix (a pure 440 Hz has no power at
	// 660 Hz); the page's is the quieter, as the browser's noise
	// suppression and gain control take a steady tone down.
	var p660, p440 float64
	heardBoth := assert.Eventually(t, func() bool {
		p660, p440 = recordedPower(t, heard, 660), recordedPower(t, heard, 440)
		return p660 > 0.1 && p440 > 0.1
	}, 20*time.Second, 50*time.Millisecond)
	require.True(t, heardBoth, "the recorder hears the page and the caller (last: 660 Hz %.2f, 440 Hz %.2f)", p660, p440)
	var energy map[string]int
	p.eval(`energy`, &energy)
	for _, u := range []string{"web", "ada", "bob"} {
		assert.GreaterOrEqual(t, energy[u], 5, "%s's level at the page: %v", u, energy)
	}

	p.eval(`CRVideo_Logout()`, nil)
	require.Eventually(t, func() bool { return micsReleased(p) }, 10*time.Second, 50*time.Millisecond, "the microphone released")
}

// voiceFlags give Chromium a microphone playing micWAV, allowed, and
// sound that plays without a click.
func voiceFlags(micWAV string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", micWAV),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	}
}

// The web client in a call with a bot: the bot shows as speaking, Unmute
// and Mute open and close the real microphone (the bot hears 660 Hz, then
// nothing), and the microphone and speaker chosen in Audio… are
// remembered across a reload.
func TestWebClientTalksInACall(t *testing.T) {
	srv := testkit.StartServer(t)
	c := openClient(t, srv, voiceFlags(toneWAV(t, 660))...)
	c.signIn("Wendy", "web")
	heard, sink := botRecorder(t)
	testkit.StartBotWith(t, srv.URL, "ada", 0, func(cfg *bot.Config) {
		cfg.CallUser, cfg.Play, cfg.Record, cfg.JitterFrames = "web", botTone(t, 440), sink, 10
	})
	c.click(button("dialog[open]", "Accept"))
	c.untilText(`#room-members [data-user="web"]`, "muted")
	c.until(`document.querySelector('#room-members [data-user="ada"]')?.dataset.speaking === "yes"`)
	assert.Equal(t, "no", eval[string](c, `document.querySelector('#room-members [data-user="web"]').dataset.speaking`), "a muted page")

	c.click("#room-mic")
	c.untilText("#room-mic", "Mute")
	require.Eventually(t, func() bool { return recordedPower(t, heard, 660) > 0.5 }, 20*time.Second, 50*time.Millisecond, "the bot hears the page")
	c.until(`document.querySelector('#room-members [data-user="web"]')?.dataset.speaking === "yes"`)
	c.shot("web-call-voice.png")
	c.click("#room-mic")
	c.untilText("#room-mic", "Unmute")
	require.Eventually(t, func() bool { return recordedPower(t, heard, 660) < 0.01 }, 10*time.Second, 50*time.Millisecond, "muted")

	// Audio…: the browser's devices, System default first; the choice stays.
	c.click("#room-audio")
	mics := eval[[]string](c, `Array.from(document.querySelectorAll('#audio-mic option'), o => o.textContent)`)
	require.GreaterOrEqual(t, len(mics), 2, "System default and Chromium's fake microphone: %v", mics)
	assert.Equal(t, "System default", mics[0])
	c.run(chromedp.SetValue(chromedp.ID("audio-mic"), mics[1]))
	c.click(button("dialog[open]", "OK"))
	assert.Equal(t, mics[1], eval[string](c, `CRVideo_GetAudioCfg().micName`))
	c.click("#call-hangup")
	c.until(`document.getElementById("room-panel").hidden`)
	c.run(chromedp.Reload())
	c.until(`typeof CRVideo_GetAudioCfg === "function" && CRVideo_GetAudioCfg().micName === ` + fmt.Sprintf("%q", mics[1]))
}

// g711Only are the codecs of a bot built without Opus: the page (Opus
// only) shares none with it, so their call goes through the SFU, which
// transcodes, and not peer to peer.
func g711Only(t *testing.T) []media.Codec {
	t.Helper()
	pcmu, err := media.CodecsNamed("PCMU")
	require.NoError(t, err)
	return pcmu
}

// After a network drop the page signs in again (the session resumed) and
// restarts ICE on its SFU connection (fresh credentials in a new offer):
// the call's audio goes on without anyone doing anything.
func TestPageRestartsICEAfterAReconnect(t *testing.T) {
	// The page reaches the server through a proxy on another port: another
	// origin to the server.
	srv := testkit.StartServer(t, func(c *server.Config) { c.AllowedOrigins = []string{"*"} })
	proxy := testkit.StartProxy(t, srv.Addr)
	p := openVoicePage(t, srv, toneWAV(t, 660))
	p.eval(fmt.Sprintf(`CRVideo_SetServerAddr(%q)`, proxy.Addr()), nil)
	p.login("web")
	testkit.StartBotWith(t, srv.URL, "ada", 0, func(c *bot.Config) {
		c.CallUser, c.Play, c.Codecs = "web", botTone(t, 440), g711Only(t)
	})
	ring := p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "a")`, ring[0], mustJSON(t, ring[1])), nil)
	pageHears(t, p, 440)
	ufrag := func() string {
		var u string
		p.eval(`(pcs[pcs.length - 1].localDescription.sdp.match(/a=ice-ufrag:(\S+)/) || [])[1] || ""`, &u)
		return u
	}
	before := ufrag()
	require.NotEmpty(t, before)

	proxy.Cut()
	p.await("Reconnected", `a => a[1] === false`)
	require.Eventually(t, func() bool { return ufrag() != before }, 10*time.Second, 50*time.Millisecond, "an offer that restarts ICE")
	var state string
	require.Eventually(t, func() bool {
		p.eval(`pcs[pcs.length - 1].iceConnectionState`, &state)
		return state == "connected" || state == "completed"
	}, 20*time.Second, 50*time.Millisecond, "ICE connected again")
	pageHears(t, p, 440)
	var n int
	p.eval(`pcs.length`, &n)
	assert.Equal(t, 1, n, "the same connection, restarted")
}

// On a cluster, the application's home stops during a call through the
// SFU between the page and a (G.711-only) bot, both on other nodes: their sessions resume on the new
// home, whose SFU has no connection for them. The page's restart offer
// names its old connection, the new home answers 1203
// (MEDIA_CONNECTION_GONE), and the page opens a new connection: it hears
// the bot again without anyone doing anything.
func TestPageVoiceComesBackWhenTheHomeMoves(t *testing.T) {
	cl := testkit.StartCluster(t, 3)
	testkit.Login(t, cl.Nodes[0].URL, "first") // node1 is the home
	p := openVoicePage(t, cl.Nodes[1], toneWAV(t, 660))
	p.eval(`window.warnings = []; const warn = console.warn; console.warn = (...a) => { warnings.push(a.join(' ')); warn(...a); }`, nil)
	p.login("web")
	testkit.StartBotWith(t, cl.Nodes[2].URL, "ada", 0, func(c *bot.Config) {
		c.CallUser, c.Play, c.Codecs = "web", botTone(t, 440), g711Only(t)
	})
	ring := p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "a")`, ring[0], mustJSON(t, ring[1])), nil)
	pageHears(t, p, 440)
	var before int
	p.eval(`pcs.length`, &before)

	cl.Nodes[0].Stop(t)
	p.await("Reconnected", `a => a[1] === false`)
	pageHears(t, p, 440)
	var after int
	p.eval(`pcs.length`, &after)
	var warnings []string
	p.eval(`warnings`, &warnings)
	assert.Greater(t, after, before, "a new connection; the page warned: %q", warnings)
	assert.Contains(t, warnings, "CRVideo: the meeting's audio moved to another server: connecting to it again")
}
