package media_test

import (
	"bufio"
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// meetingCall has alice call bob into a new meeting and bob accept; both
// are then in the meeting.
func meetingCall(t *testing.T, url string) (alice, bob *testkit.Client, meet session.MeetInfo) {
	t.Helper()
	alice, bob = testkit.Login(t, url, "alice"), testkit.Login(t, url, "bob")
	return alice, bob, callInto(t, alice, bob)
}

// callInto has alice call bob into a new meeting and bob accept.
func callInto(t *testing.T, alice, bob *testkit.Client) (meet session.MeetInfo) {
	t.Helper()
	alice.CreateMeeting("voice", 0, "m")
	meet = testkit.Await(t, alice, func(e session.CreateMeetingSuccess) bool { return e.Cookie == "m" }).Meet
	id := alice.Call("bob", meet, "", "c")
	testkit.Await(t, bob, func(e session.NotifyCallIn) bool { return e.CallID == id })
	bob.AcceptCall(id, session.MeetInfo{}, "", "a")
	testkit.Await(t, bob, func(e session.AcceptCallSuccess) bool { return e.CallID == id })
	testkit.Await(t, alice, func(e session.NotifyCallAccepted) bool { return e.CallID == id })
	return meet
}

// voice starts c's voice in meet as the app does (direct with one other
// member who can, through the SFU otherwise), playing src (nil: silent,
// the microphone stays closed) and recording into a capture sink.
func voice(t *testing.T, c *testkit.Client, meet int, src media.Source) (*media.Call, *media.CaptureSink) {
	t.Helper()
	return startVoice(t, c, meet, src, nil, media.StartCall)
}

// sfuVoice is voice always through the SFU, as a client that cannot go
// direct (the browser SDK).
func sfuVoice(t *testing.T, c *testkit.Client, meet int, src media.Source) (*media.Call, *media.CaptureSink) {
	t.Helper()
	return startVoice(t, c, meet, src, nil, media.StartSFUCall)
}

// voiceWith is sfuVoice offering only codecs (nil: all of this build's).
func voiceWith(t *testing.T, c *testkit.Client, meet int, src media.Source, codecs []media.Codec) (*media.Call, *media.CaptureSink) {
	t.Helper()
	return startVoice(t, c, meet, src, codecs, media.StartSFUCall)
}

func startVoice(t *testing.T, c *testkit.Client, meet int, src media.Source, codecs []media.Codec, start func(media.Signaller, int, media.PeerConfig) (*media.Call, error)) (*media.Call, *media.CaptureSink) {
	t.Helper()
	if src != nil {
		openMic(t, c)
	}
	sink := media.NewCaptureSink()
	call, err := start(c.Session, meet, media.PeerConfig{Source: src, Sink: sink, JitterFrames: media.RecorderJitter, Codecs: codecs})
	require.NoError(t, err)
	testkit.Pump(t, c, call.Handle)
	t.Cleanup(func() { call.Close() })
	return call, sink
}

// openMic opens c's microphone in its meeting: the SFU forwards only open
// microphones.
func openMic(t *testing.T, c *testkit.Client) {
	t.Helper()
	c.OpenMic("")
	testkit.Await(t, c, func(e session.AudioStatusChanged) bool {
		return e.UserID == c.UserID() && e.NewStatus == protocol.AudioOpen
	})
}

func TestCallThroughTheSFUCarriesBothTones(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)
	_, aliceHears := sfuVoice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	_, bobHears := sfuVoice(t, bob, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.5})
	media.HeardTone(t, bobHears, 440)
	media.HeardTone(t, aliceHears, 660)
	// Both speak Opus: forwarded as it came, nothing decoded.
	require.Zero(t, metric(t, srv, "huddle_media_transcoders"))
	require.Greater(t, metric(t, srv, "huddle_media_rtp_forwarded_total"), 0.0)
}

// heardBoth waits until every 100 ms of the last second sink heard holds
// both tones: two speakers at once, not one after the other.
func heardBoth(t *testing.T, sink *media.CaptureSink, f1, f2 float64) {
	t.Helper()
	require.Eventually(t, func() bool {
		pcm := sink.Snapshot()
		if len(pcm) < media.SampleRate {
			return false
		}
		last := pcm[len(pcm)-media.SampleRate:]
		for i := 0; i < len(last); i += media.SampleRate / 10 {
			w := last[i : i+media.SampleRate/10]
			if media.Power(w, media.SampleRate, f1) < 0.2 || media.Power(w, media.SampleRate, f2) < 0.2 {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond, "%v Hz and %v Hz together", f1, f2)
}

// A meeting of Opus and G.711-only members (builds without Opus, as the
// Windows one): every listener hears both speakers whatever their codec.
// The SFU decodes each speaker once and encodes once per codec a listener
// lacks, shared by every listener of that codec.
func TestMixedCodecMeetingEveryoneHearsEveryone(t *testing.T) {
	if !media.OpusBuiltIn() {
		t.Skip("this build has no Opus")
	}
	pcmu, err := media.CodecsNamed("PCMU")
	require.NoError(t, err)
	srv := testkit.StartServer(t)
	alice, bob, carol, meet, _ := threeParty(t, srv.URL)
	dave := testkit.Login(t, srv.URL, "dave")
	inv := alice.ClientInvite("dave", meet, "inv-dave")
	testkit.Await(t, dave, func(e session.NotifyCallIn) bool { return e.CallID == inv })
	dave.AcceptCall(inv, session.MeetInfo{}, "", "acc")
	testkit.Await(t, dave, func(e session.AcceptCallSuccess) bool { return e.CallID == inv })

	opus, err := media.CodecsNamed("opus")
	require.NoError(t, err)
	// listen joins c's voice sending nothing at all (muted before the
	// first packet), so only alice and bob are speakers at the SFU.
	listen := func(c *testkit.Client, codecs []media.Codec) *media.CaptureSink {
		t.Helper()
		call, sink := voiceWith(t, c, meet.ID, nil, codecs)
		call.Peer().SetMuted(true)
		return sink
	}
	voiceWith(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.3}, nil) // Opus (and G.711)
	voiceWith(t, bob, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.3}, pcmu)
	carolHears := listen(carol, pcmu)
	daveHears := listen(dave, opus) // as an endpoint without G.711

	heardBoth(t, carolHears, 440, 660)
	heardBoth(t, daveHears, 440, 660)
	// One encoder per speaker and codec some listener lacks, not one per
	// listener: alice's voice in PCMU, shared by bob and carol; bob's in
	// Opus for dave. alice hears bob's G.711 as it came (she has both).
	transcoders := func() float64 { return metric(t, srv, "huddle_media_transcoders") }
	require.Equal(t, 2.0, transcoders())
	require.Greater(t, metric(t, srv, `huddle_media_rtp_transcoded_total{codec="PCMU"}`), 0.0)
	require.Greater(t, metric(t, srv, `huddle_media_rtp_transcoded_total{codec="opus"}`), 0.0)

	// With the G.711-only members gone, alice's voice is no longer
	// transcoded, nor bob's (who left): dave still hears her.
	bob.ExitMeeting()
	carol.ExitMeeting()
	require.Eventually(t, func() bool { return transcoders() == 0 }, 10*time.Second, 50*time.Millisecond, "%v encoders", transcoders())
	require.Eventually(t, func() bool {
		last := daveHears.Snapshot()
		last = last[len(last)-media.SampleRate/2:]
		return media.Power(last, media.SampleRate, 440) > 0.5 && media.Power(last, media.SampleRate, 660) < 0.05
	}, 10*time.Second, 50*time.Millisecond, "alice alone")
}

func TestThreePartyMeetingRecorderHearsBothSpeakers(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, carol, meet, _ := threeParty(t, srv.URL)

	voice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.3})
	voice(t, bob, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.3})
	call, carolHears := voice(t, carol, meet.ID, nil)

	// Both tones in every 100 ms of a whole second: two speakers, not one
	// after the other.
	require.Eventually(t, func() bool {
		pcm := carolHears.Snapshot()
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
	}, 20*time.Second, 50*time.Millisecond)
	speakers := map[string]bool{}
	for _, u := range call.Speakers() {
		speakers[u] = true
	}
	require.Equal(t, map[string]bool{"alice": true, "bob": true}, speakers)
}

// CloseMic stops the tone at the SFU, whatever the client still sends; a
// host closing another member's microphone silences them the same way.
func TestCloseMicStopsTheToneAndOpenMicBringsItBack(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)
	sfuVoice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	_, bobHears := sfuVoice(t, bob, meet.ID, nil)
	silent := func() bool {
		pcm := bobHears.Snapshot()
		return len(pcm) > media.SampleRate/2 && media.Level(pcm[len(pcm)-media.SampleRate/2:]) == 0
	}
	media.HeardTone(t, bobHears, 440)
	alice.CloseMic("")
	require.Eventually(t, silent, 10*time.Second, 20*time.Millisecond, "half a second of silence")
	openMic(t, alice)
	media.HeardTone(t, bobHears, 440)

	// alice created the meeting: she may close bob's microphone.
	openMic(t, bob)
	alice.CloseMic("bob")
	testkit.Await(t, bob, func(e session.AudioStatusChanged) bool {
		return e.UserID == "bob" && e.NewStatus == protocol.AudioClosed
	})
	require.Positive(t, metric(t, srv, `huddle_media_rtp_dropped_total{reason="mic_closed"}`))
}

// The media path drops (every UDP socket of bob's peer goes dark, as when
// a laptop moves to another network) while signalling stays up: ICE
// restarts by itself and bob hears alice again, without anyone doing
// anything, within 20 s of the cut.
func TestAudioComesBackAfterTheMediaPathDrops(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)
	voice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	network, err := testkit.NewCuttableNet()
	require.NoError(t, err)
	bobHears := media.NewCaptureSink()
	call, err := media.StartCall(bob.Session, meet.ID, media.PeerConfig{Sink: bobHears, JitterFrames: media.RecorderJitter, Net: network})
	require.NoError(t, err)
	testkit.Pump(t, bob, call.Handle)
	t.Cleanup(func() { call.Close() })
	media.HeardTone(t, bobHears, 440)

	network.Cut()
	// The mixer plays silence while nothing arrives: what bob hears goes
	// quiet, then the tone comes back after it.
	var quietAt int
	require.Eventually(t, func() bool {
		pcm := bobHears.Snapshot()
		quietAt = len(pcm)
		return media.Level(pcm[len(pcm)-media.SampleRate/5:]) == 0
	}, 10*time.Second, 20*time.Millisecond, "the cut silences bob")
	cut := time.Now()
	require.Eventually(t, func() bool {
		pcm := bobHears.Snapshot()
		if len(pcm) < quietAt+media.SampleRate/2 {
			return false
		}
		last := pcm[len(pcm)-media.SampleRate/2:]
		return media.DominantFrequency(last, media.SampleRate) == 440 && media.Level(last) > 0.2
	}, 20*time.Second, 50*time.Millisecond, "alice's tone back, after the silence")
	t.Logf("back %v after the silence began", time.Since(cut).Round(100*time.Millisecond))
}

// carol's machine leaves the network for good (her WebSocket and her
// media path both go dark, no reconnecting): past the grace period the
// others see her leave the meeting, her audio stops and her track goes,
// while their call goes on.
func TestVanishedPeerIsShownAsLeft(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.GracePeriod = time.Second })
	proxy := testkit.StartProxy(t, srv.Addr)
	alice, bob, carol, meet, _ := threePartyVia(t, srv.URL, "ws://"+proxy.Addr()+"/ws")
	aliceCall, aliceHears := voice(t, alice, meet.ID, nil)
	voice(t, bob, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	network, err := testkit.NewCuttableNet()
	require.NoError(t, err)
	openMic(t, carol)
	carolCall, err := media.StartCall(carol.Session, meet.ID, media.PeerConfig{Source: &media.Tone{Freq: 660, Amplitude: 0.5}, Net: network})
	require.NoError(t, err)
	testkit.Pump(t, carol, carolCall.Handle)
	t.Cleanup(func() { carolCall.Close() })
	heardBoth(t, aliceHears, 440, 660)
	speakers := func() []string {
		s := slices.Collect(maps.Values(aliceCall.Speakers()))
		slices.Sort(s)
		return s
	}
	require.Equal(t, []string{"bob", "carol"}, speakers())

	proxy.Down()
	network.Cut()
	testkit.Await(t, alice, func(e session.UserLeftMeeting) bool { return e.UserID == "carol" })
	require.Eventually(t, func() bool { return slices.Equal(speakers(), []string{"bob"}) }, 10*time.Second, 20*time.Millisecond, "carol's track gone")
	require.Eventually(t, func() bool {
		last := aliceHears.Snapshot()
		last = last[len(last)-media.SampleRate/2:]
		return media.Power(last, media.SampleRate, 440) > 0.5 && media.Power(last, media.SampleRate, 660) < 0.05
	}, 10*time.Second, 50*time.Millisecond, "bob alone")
}

// threeParty puts carol in alice and bob's meeting by alice's invite and
// returns the invite's ID.
func threeParty(t *testing.T, url string) (alice, bob, carol *testkit.Client, meet session.MeetInfo, invite string) {
	t.Helper()
	return threePartyVia(t, url, url)
}

// threePartyVia is threeParty with carol signed in at carolURL.
func threePartyVia(t *testing.T, url, carolURL string) (alice, bob, carol *testkit.Client, meet session.MeetInfo, invite string) {
	t.Helper()
	alice, bob, meet = meetingCall(t, url)
	carol = testkit.Login(t, carolURL, "carol")
	invite = alice.ClientInvite("carol", meet, "inv")
	testkit.Await(t, carol, func(e session.NotifyCallIn) bool { return e.CallID == invite })
	carol.AcceptCall(invite, session.MeetInfo{}, "", "acc")
	testkit.Await(t, carol, func(e session.AcceptCallSuccess) bool { return e.CallID == invite })
	return alice, bob, carol, meet, invite
}

// A member who hangs up leaves the meeting's voice: the others offer again
// and no longer receive them.
func TestHangupTakesTheSpeakerOut(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, carol, meet, invite := threeParty(t, srv.URL)
	aliceCall, _ := voice(t, alice, meet.ID, nil)
	voice(t, bob, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.5})
	voice(t, carol, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	speakers := func() []string {
		var out []string
		for _, u := range aliceCall.Speakers() {
			out = append(out, u)
		}
		sort.Strings(out)
		return out
	}
	require.Eventually(t, func() bool { return slices.Equal(speakers(), []string{"bob", "carol"}) }, 10*time.Second, 20*time.Millisecond)
	carol.HungupCall(invite, "", "h")
	require.Eventually(t, func() bool { return slices.Equal(speakers(), []string{"bob"}) }, 10*time.Second, 20*time.Millisecond)
}

func offerSDP(t *testing.T) string {
	t.Helper()
	p, err := media.NewPeer(media.PeerConfig{})
	require.NoError(t, err)
	defer p.Close()
	sdp, err := p.Offer(false)
	require.NoError(t, err)
	return sdp
}

func TestMediaRequestsAreChecked(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MaxICECandidates = 5 }))
	alice, bob, meet := meetingCall(t, srv.URL)
	carol := testkit.Login(t, srv.URL, "carol")
	offer := offerSDP(t)

	fail := func(c *testkit.Client, meetID int, sdp string) session.ErrCode {
		t.Helper()
		cookie := strconv.FormatInt(time.Now().UnixNano(), 10)
		c.MediaOffer(meetID, sdp, cookie)
		return testkit.Await(t, c, func(e session.MediaOfferFail) bool { return e.Cookie == cookie }).Err
	}
	require.Equal(t, protocol.NotInMeeting, fail(carol, meet.ID, offer), "carol is not in the meeting")
	require.Equal(t, protocol.MeetNotExist, fail(carol, meet.ID+1000, offer))
	require.Equal(t, protocol.ErrData, fail(alice, meet.ID, "v=0 garbage"))
	require.Equal(t, protocol.ErrData, fail(alice, meet.ID, strings.Repeat("a", 70<<10)), "oversized SDP")

	// A candidate before any offer, then after one: malformed, then a flood.
	alice.MediaCandidate(meet.ID, session.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"})
	require.Equal(t, protocol.NotInMeeting, testkit.Await[session.MediaCandidateFail](t, alice, nil).Err)
	readyFail := func(c *testkit.Client, meetID, answer int) session.ErrCode {
		t.Helper()
		c.MediaReady(meetID, 0, answer)
		return testkit.Await[session.MediaReadyFail](t, c, nil).Err
	}
	require.Equal(t, protocol.NotInMeeting, readyFail(alice, meet.ID, 1), "media_ready before any offer")
	alice.MediaOffer(meet.ID, offer, "ok")
	answer := testkit.Await(t, alice, func(e session.MediaAnswer) bool { return e.Cookie == "ok" })
	require.Equal(t, 1, answer.Answer, "answers are numbered from 1")
	require.Equal(t, protocol.NotInMeeting, readyFail(carol, meet.ID, 1), "carol is not in the meeting")
	require.Equal(t, protocol.MeetNotExist, readyFail(alice, meet.ID+1000, 1))
	require.Equal(t, protocol.ErrData, readyFail(alice, meet.ID, 2), "an answer not given yet")
	require.Equal(t, protocol.ErrData, readyFail(alice, meet.ID, 0))
	alice.MediaReady(meet.ID, 0, 1)
	testkit.Sync(t, alice)
	require.Empty(t, testkit.Unused[session.MediaReadyFail](alice), "the answer given is ready")
	conn := answer.Conn
	require.NotEmpty(t, conn, "the answer names alice's connection")

	// An offer for a connection the server does not have (one a cluster's
	// dead home had) is refused, and makes none: bob, who never offered,
	// still has no connection for a candidate.
	goneOn := func(c *testkit.Client, conn string) session.ErrCode {
		t.Helper()
		cookie := strconv.FormatInt(time.Now().UnixNano(), 10)
		c.MediaOfferOn(meet.ID, 0, conn, offer, cookie)
		return testkit.Await(t, c, func(e session.MediaOfferFail) bool { return e.Cookie == cookie }).Err
	}
	require.Equal(t, protocol.MediaConnectionGone, goneOn(bob, conn), "alice's connection is not bob's")
	bob.MediaCandidate(meet.ID, session.ICECandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"})
	require.Equal(t, protocol.NotInMeeting, testkit.Await[session.MediaCandidateFail](t, bob, nil).Err, "no connection was made for bob")
	require.Equal(t, protocol.MediaConnectionGone, goneOn(alice, "gone"))
	alice.MediaCandidate(meet.ID, session.ICECandidate{Candidate: "candidate:garbage"})
	require.Equal(t, protocol.ErrData, testkit.Await[session.MediaCandidateFail](t, alice, nil).Err)
	for range 6 {
		alice.MediaCandidate(meet.ID, session.ICECandidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 9 typ host"})
	}
	require.Equal(t, protocol.RateLimited, testkit.Await[session.MediaCandidateFail](t, alice, nil).Err)

	pcma, err := media.NewPeer(media.PeerConfig{Codecs: []media.Codec{{Capability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}, PayloadType: 8}}})
	require.NoError(t, err)
	defer pcma.Close()
	pcmaOffer, err := pcma.Offer(false)
	require.NoError(t, err)
	require.Equal(t, protocol.ErrData, fail(alice, meet.ID, pcmaOffer), "an offer in a codec the server does not speak")

	// None of it hurt the others: bob's voice still works.
	testkit.Sync(t, carol)
}

// metric reads one sample of the server's /metrics (loopback serves it),
// summed over a cluster's nodes: only the application's home runs its
// SFU and TURN.
func metric(t *testing.T, srv *testkit.Server, line string) float64 {
	t.Helper()
	sum := 0.0
	for _, addr := range srv.NodeAddrs() {
		sum += nodeMetric(t, addr, line)
	}
	return sum
}

// nodeMetric reads one sample of one node's /metrics, 0 if it has none.
func nodeMetric(t *testing.T, addr, line string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), line+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			return f
		}
	}
	return 0
}

// A second stream from one member is not forwarded: dropped and counted,
// while the member's voice still reaches the other.
func TestSFUDropsAStreamItDidNotNegotiate(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)
	aliceCall, _ := sfuVoice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	extra, err := webrtc.NewTrackLocalStaticRTP(media.PCMUCapability, "extra", "alice-extra")
	require.NoError(t, err)
	_, err = aliceCall.Peer().PeerConnection().AddTrack(extra)
	require.NoError(t, err)
	aliceCall.Restart()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(media.FrameDuration)
		defer tick.Stop()
		var seq uint16
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				seq++
				extra.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 160}, Payload: make([]byte, 160)})
			}
		}
	}()
	_, bobHears := sfuVoice(t, bob, meet.ID, nil)
	media.HeardTone(t, bobHears, 440)
	require.Eventually(t, func() bool {
		return metric(t, srv, `huddle_media_rtp_dropped_total{reason="unknown_track"}`) > 10
	}, 10*time.Second, 50*time.Millisecond)
	require.Greater(t, metric(t, srv, "huddle_media_rtp_forwarded_total"), 0.0)
}

// A listener slow to apply the SFU's answer (a busy machine): the server
// sends it nothing of the new speaker that answer added until it has
// applied it, so its WebRTC stack never gets RTP it cannot route yet
// (pion's early-media path, which raced with the track's reader and once
// lost whole speakers), and it hears the speaker once it has.
func TestNewSpeakerReachesAListenerOnlyAfterItAppliedTheAnswer(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)

	pion := &errorLog{}
	bobHears := media.NewCaptureSink()
	bobCall, err := media.StartSFUCall(bob.Session, meet.ID, media.PeerConfig{Sink: bobHears, JitterFrames: media.RecorderJitter, Log: slog.New(pion)})
	require.NoError(t, err)
	t.Cleanup(func() { bobCall.Close() })
	bobCall.Peer().SetMuted(true)
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	releaseAnswer := func() { once.Do(func() { close(release) }) }
	testkit.Pump(t, bob, func(ev session.Event) bool {
		if a, ok := ev.(session.MediaAnswer); ok && slices.ContainsFunc(a.Tracks, func(tr session.MediaTrack) bool { return tr.User == "alice" }) {
			close(held)
			<-release // bob's machine is busy: the answer waits
		}
		return bobCall.Handle(ev)
	})
	t.Cleanup(releaseAnswer) // before the pump stops, should the test fail
	select {
	case <-bobCall.Peer().Connected():
	case <-time.After(10 * time.Second):
		t.Fatal("bob's connection to the SFU never came up")
	}

	sfuVoice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("no answer adding alice's track came to bob")
	}
	// Half a second of alice's audio reaches the SFU while bob holds the
	// answer: none of it may reach bob.
	from := metric(t, srv, "huddle_media_rtp_forwarded_total")
	require.Eventually(t, func() bool { return metric(t, srv, "huddle_media_rtp_forwarded_total") >= from+25 }, 10*time.Second, 20*time.Millisecond)
	require.Empty(t, pion.matching("unhandled RTP"), "RTP came to bob before he applied the answer")
	require.Positive(t, metric(t, srv, "huddle_media_rtp_held_total"), "alice's packets held for bob")

	releaseAnswer()
	media.HeardTone(t, bobHears, 440)
	require.Empty(t, pion.matching("unhandled RTP"))
}

// errorLog keeps the error lines logged to it (a peer's, pion's among them).
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelError }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Message)
	return nil
}

func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

// matching are the lines so far that contain s.
func (l *errorLog) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}
