package media_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// forwarded is how many RTP packets the SFU has forwarded.
func forwarded(t *testing.T, srv *testkit.Server) float64 {
	t.Helper()
	return metric(t, srv, "huddle_media_rtp_forwarded_total")
}

// Two members who can both go direct hear each other peer to peer: the
// server relays their signalling and forwards none of their audio.
func TestTwoMembersHearEachOtherDirectlyNotThroughTheSFU(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)
	_, aliceHears := voice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	_, bobHears := voice(t, bob, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.5})
	media.HeardTone(t, bobHears, 440)
	media.HeardTone(t, aliceHears, 660)
	require.Zero(t, forwarded(t, srv), "the SFU forwarded RTP of a two-member call")
	require.Equal(t, 1.0, metric(t, srv, "huddle_media_direct_meetings"))
	require.GreaterOrEqual(t, metric(t, srv, `huddle_media_direct_signals_total{kind="sdp"}`), 2.0, "an offer and an answer relayed")
}

// Two members who may only use relays (as behind NATs that let nothing
// else through) still hear each other directly: through the embedded TURN.
func TestDirectCallFallsBackToTURN(t *testing.T) {
	srv := testkit.StartServer(t, withTURN)
	alice, bob, meet := meetingCall(t, srv.URL)
	openMic(t, alice)
	aliceCall, _ := relayOnlyVoice(t, media.StartCall, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	_, bobHears := relayOnlyVoice(t, media.StartCall, bob, meet.ID, nil)
	media.HeardTone(t, bobHears, 440)
	require.Zero(t, forwarded(t, srv), "the SFU forwarded RTP of a two-member call")
	pair, err := aliceCall.Peer().PeerConnection().GetSenders()[0].Transport().ICETransport().GetSelectedCandidatePair()
	require.NoError(t, err)
	require.Equal(t, webrtc.ICECandidateTypeRelay, pair.Local.Typ)
	require.GreaterOrEqual(t, metric(t, srv, "huddle_turn_allocations"), 2.0, "one relay each")
}

// longestGap is the longest run of silent frames in pcm, in ms.
func longestGap(pcm []int16) int {
	run, longest := 0, 0
	for i := 0; i+media.FrameSamples <= len(pcm); i += media.FrameSamples {
		if media.Level(pcm[i:i+media.FrameSamples]) > 0.05 {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest * int(media.FrameDuration/time.Millisecond)
}

// toneGoesOn waits until the last second heard is freq in every 100 ms and
// no 20 ms frame of it is silent.
func toneGoesOn(t *testing.T, hears *media.CaptureSink, after int, freq float64) {
	t.Helper()
	require.Eventually(t, func() bool {
		pcm := hears.Snapshot()
		if len(pcm) < after+media.SampleRate {
			return false
		}
		last := pcm[len(pcm)-media.SampleRate:]
		for i := 0; i+media.FrameSamples <= len(last); i += media.FrameSamples {
			if media.Level(last[i:i+media.FrameSamples]) < 0.05 {
				return false
			}
		}
		for i := 0; i < len(last); i += media.SampleRate / 10 {
			if media.DominantFrequency(last[i:i+media.SampleRate/10], media.SampleRate) != freq {
				return false
			}
		}
		return true
	}, 20*time.Second, 50*time.Millisecond, "a whole second of %v Hz", freq)
}

// A third member moves the call to the SFU with nobody doing anything, and
// the two already talking keep hearing each other; when the third leaves,
// the two go back to direct.
func TestThirdMemberMovesTheCallToTheSFUAndTheToneGoesOn(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, carol, meet, invite := threeParty(t, srv.URL)
	aliceCall, _ := voice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	bobCall, bobHears := voice(t, bob, meet.ID, nil)
	media.HeardTone(t, bobHears, 440)
	require.Zero(t, forwarded(t, srv))
	require.Equal(t, protocol.ModeDirect, aliceCall.Mode())

	switched := len(bobHears.Snapshot())
	_, carolHears := voice(t, carol, meet.ID, nil)
	media.HeardTone(t, carolHears, 440)
	require.Equal(t, protocol.ModeSFU, aliceCall.Mode())
	require.Equal(t, protocol.ModeSFU, bobCall.Mode())
	toneGoesOn(t, bobHears, switched, 440)
	require.Positive(t, forwarded(t, srv), "three members: through the SFU")
	require.Zero(t, metric(t, srv, "huddle_media_direct_meetings"))
	t.Logf("moving to the SFU: bob heard at most %d ms of silence", longestGap(bobHears.Snapshot()[switched:]))

	// carol hangs up: alice and bob are two again, and direct.
	carol.HungupCall(invite, "", "h")
	require.Eventually(t, func() bool { return aliceCall.Mode() == protocol.ModeDirect && bobCall.Mode() == protocol.ModeDirect }, 10*time.Second, 20*time.Millisecond)
	back := len(bobHears.Snapshot())
	toneGoesOn(t, bobHears, back, 440)
	before := forwarded(t, srv)
	toneGoesOn(t, bobHears, len(bobHears.Snapshot()), 440)
	require.Equal(t, before, forwarded(t, srv), "direct again: the SFU forwards nothing")
	t.Logf("back to direct: bob heard at most %d ms of silence", longestGap(bobHears.Snapshot()[back:]))
}

// CloseMic silences a direct call: the server cannot drop the audio, so
// the sender stops sending; the room state is pushed as ever.
func TestCloseMicSilencesADirectCall(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)
	aliceCall, aliceHears := voice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	_, bobHears := voice(t, bob, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.5})
	silent := func(hears *media.CaptureSink) func() bool {
		return func() bool {
			pcm := hears.Snapshot()
			return len(pcm) > media.SampleRate/2 && media.Level(pcm[len(pcm)-media.SampleRate/2:]) == 0
		}
	}
	media.HeardTone(t, bobHears, 440)
	media.HeardTone(t, aliceHears, 660)
	require.Equal(t, protocol.ModeDirect, aliceCall.Mode())
	alice.CloseMic("")
	testkit.Await(t, bob, func(e session.AudioStatusChanged) bool {
		return e.UserID == "alice" && e.NewStatus == protocol.AudioClosed
	})
	require.Eventually(t, silent(bobHears), 10*time.Second, 20*time.Millisecond, "half a second of silence")
	openMic(t, alice)
	toneGoesOn(t, bobHears, len(bobHears.Snapshot()), 440)

	// alice created the meeting: closing bob's microphone silences him.
	alice.CloseMic("bob")
	testkit.Await(t, bob, func(e session.AudioStatusChanged) bool {
		return e.UserID == "bob" && e.NewStatus == protocol.AudioClosed
	})
	require.Eventually(t, silent(aliceHears), 10*time.Second, 20*time.Millisecond, "half a second of silence from bob")
	require.Zero(t, forwarded(t, srv))
}

// Direct-mode signalling that is malformed, stale, from the wrong member
// or from outside the meeting is refused with its code, reaches nobody,
// and the call goes on.
func TestDirectSignallingIsChecked(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MaxICECandidates = 20 }))
	alice, bob, meet := meetingCall(t, srv.URL)
	carol := testkit.Login(t, srv.URL, "carol")
	_, bobHears := voice(t, bob, meet.ID, nil)
	// alice signals by hand, as a client of her own would.
	openMic(t, alice)
	alice.MediaJoin(meet.ID, nil, "j")
	mode := testkit.Await(t, alice, func(e session.NotifyMediaMode) bool { return e.Mode == protocol.ModeDirect })
	require.Equal(t, "bob", mode.Peer)
	require.True(t, mode.Offerer, "alice < bob: alice offers")
	require.True(t, mode.MicOpen)

	refused := func(c *testkit.Client, meetID, gen int, sdp *session.SessionDescription, cand *session.ICECandidate) session.ErrCode {
		t.Helper()
		n := len(testkit.All[session.DirectSignalFail](c))
		c.DirectSignal(meetID, gen, sdp, cand)
		require.Eventually(t, func() bool { return len(testkit.All[session.DirectSignalFail](c)) > n }, 10*time.Second, 5*time.Millisecond)
		return testkit.All[session.DirectSignalFail](c)[n].Err
	}
	host := &session.ICECandidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 9 typ host"}
	offer := &session.SessionDescription{Type: "offer", SDP: offerSDP(t)}
	require.Equal(t, protocol.NotInMeeting, refused(carol, meet.ID, mode.Gen, offer, nil), "carol is not in the meeting")
	require.Equal(t, protocol.MeetNotExist, refused(alice, meet.ID+1000, mode.Gen, offer, nil))
	require.Equal(t, protocol.MediaModeChanged, refused(alice, meet.ID, mode.Gen-1, offer, nil), "an old generation")
	require.Equal(t, protocol.ErrData, refused(alice, meet.ID, mode.Gen, &session.SessionDescription{Type: "offer", SDP: "v=0 garbage"}, nil))
	require.Equal(t, protocol.ErrData, refused(alice, meet.ID, mode.Gen, &session.SessionDescription{Type: "offer", SDP: strings.Repeat("a", 70<<10)}, nil), "oversized SDP")
	require.Equal(t, protocol.ErrData, refused(alice, meet.ID, mode.Gen, &session.SessionDescription{Type: "answer", SDP: offer.SDP}, nil), "the offerer answers")
	require.Equal(t, protocol.ErrData, refused(alice, meet.ID, mode.Gen, offer, host), "both an SDP and a candidate")
	require.Equal(t, protocol.ErrData, refused(alice, meet.ID, mode.Gen, nil, nil), "neither")
	require.Equal(t, protocol.ErrData, refused(alice, meet.ID, mode.Gen, nil, &session.ICECandidate{Candidate: "candidate:garbage"}))
	// While the meeting is direct, alice's audio does not go to the SFU.
	alice.MediaOffer(meet.ID, offer.SDP, "sfu")
	require.Equal(t, protocol.MediaModeChanged, testkit.Await(t, alice, func(e session.MediaOfferFail) bool { return e.Cookie == "sfu" }).Err)

	// A real connection from alice's side, then a flood of candidates.
	p, err := media.NewPeer(media.PeerConfig{Source: &media.Tone{Freq: 440, Amplitude: 0.5}})
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	p.OnCandidate(func(c webrtc.ICECandidateInit) {
		alice.DirectSignal(meet.ID, mode.Gen, nil, &session.ICECandidate{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex})
	})
	testkit.Pump(t, alice, func(ev session.Event) bool {
		e, ok := ev.(session.NotifyDirectSignal)
		if !ok || e.Cand == nil {
			return false
		}
		_ = p.AddCandidate(webrtc.ICECandidateInit{Candidate: e.Cand.Candidate, SDPMid: e.Cand.SDPMid, SDPMLineIndex: e.Cand.SDPMLineIndex})
		return true
	})
	sdp, err := p.Offer(false)
	require.NoError(t, err)
	alice.DirectSignal(meet.ID, mode.Gen, &session.SessionDescription{Type: "offer", SDP: sdp}, nil)
	answer := testkit.Await(t, alice, func(e session.NotifyDirectSignal) bool { return e.SDP != nil })
	require.Equal(t, "bob", answer.From)
	require.Equal(t, "answer", answer.SDP.Type)
	require.NoError(t, p.SetAnswer(answer.SDP.SDP))
	media.HeardTone(t, bobHears, 440)
	for range 25 {
		alice.DirectSignal(meet.ID, mode.Gen, nil, host)
	}
	require.Eventually(t, func() bool {
		for _, f := range testkit.All[session.DirectSignalFail](alice) {
			if f.Err == protocol.RateLimited {
				return true
			}
		}
		return false
	}, 10*time.Second, 5*time.Millisecond)

	// None of it reached carol, and bob still hears alice.
	testkit.Sync(t, carol)
	require.Empty(t, testkit.All[session.NotifyDirectSignal](carol))
	toneGoesOn(t, bobHears, len(bobHears.Snapshot()), 440)
	require.Zero(t, forwarded(t, srv))
}
