package media_test

import (
	"testing"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
	"huddle/server"
	"huddle/session"
)

func withTURN(c *server.Config) { c.Media.TURNAddr = "127.0.0.1:0" }

// iceServers asks the server for its STUN/TURN servers.
func iceServers(t *testing.T, c *testkit.Client) []webrtc.ICEServer {
	t.Helper()
	c.GetICEServers("ice")
	ok := testkit.Await(t, c, func(e session.GetICEServersSuccess) bool { return e.Cookie == "ice" })
	require.NotEmpty(t, ok.Servers)
	require.Positive(t, ok.TTL)
	return media.ICEServers(ok.Servers)
}

// relayOnlyVoice starts c's voice in meet with start (media.StartCall or
// StartSFUCall), sending src and allowed only TURN relays; what c hears
// is in the sink.
func relayOnlyVoice(t *testing.T, start func(media.Signaller, int, media.PeerConfig) (*media.Call, error), c *testkit.Client, meet int, src media.Source) (*media.Call, *media.CaptureSink) {
	t.Helper()
	sink := media.NewCaptureSink()
	call, err := start(c.Session, meet, media.PeerConfig{Source: src, Sink: sink, JitterFrames: media.RecorderJitter, ICEServers: iceServers(t, c), RelayOnly: true})
	require.NoError(t, err)
	testkit.Pump(t, c, call.Handle)
	t.Cleanup(func() { call.Close() })
	return call, sink
}

// Both members, through the SFU, may only use relays (as behind a NAT that lets nothing
// else through): their audio goes through the embedded TURN server.
func TestSFUVoiceThroughTURNOnly(t *testing.T) {
	srv := testkit.StartServer(t, withTURN)
	alice, bob, meet := meetingCall(t, srv.URL)
	openMic(t, alice)
	aliceCall, _ := relayOnlyVoice(t, media.StartSFUCall, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.5})
	_, bobHears := relayOnlyVoice(t, media.StartSFUCall, bob, meet.ID, nil)
	media.HeardTone(t, bobHears, 440)
	pair, err := aliceCall.Peer().PeerConnection().GetSenders()[0].Transport().ICETransport().GetSelectedCandidatePair()
	require.NoError(t, err)
	require.Equal(t, webrtc.ICECandidateTypeRelay, pair.Local.Typ)
	require.GreaterOrEqual(t, metric(t, srv, "huddle_turn_allocations"), 2.0, "one relay each")
}
