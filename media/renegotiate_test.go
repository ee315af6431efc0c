package media_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
	"huddle/protocol"
)

// refuseOffer garbles the n-th SFU offer it sends, so that the server
// refuses it (ERR_DATA): an offer that is never answered.
type refuseOffer struct {
	media.Signaller
	n    int64
	sent atomic.Int64
}

func (r *refuseOffer) MediaOfferOn(meetID, gen int, conn, sdp, cookie string) {
	if r.sent.Add(1) == r.n {
		sdp = "v=0 garbage"
	}
	r.Signaller.MediaOfferOn(meetID, gen, conn, sdp, cookie)
}

// bob's offer for alice's track is refused; when carol starts speaking,
// the media_update that follows makes a new offer, which must not fail
// for the one left unanswered: bob hears them both.
func TestAnOfferAfterARefusedOneWorks(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, carol, meet, _ := threeParty(t, srv.URL)
	sig := &refuseOffer{Signaller: bob.Session, n: 2} // the first renegotiation
	bobHears := media.NewCaptureSink()
	call, err := media.StartSFUCall(sig, meet.ID, media.PeerConfig{Sink: bobHears, JitterFrames: media.RecorderJitter})
	require.NoError(t, err)
	t.Cleanup(func() { call.Close() })
	call.Peer().SetMuted(true)
	testkit.Pump(t, bob, call.Handle)
	select {
	case <-call.Peer().Connected():
	case <-time.After(10 * time.Second):
		t.Fatal("bob's connection to the SFU never came up")
	}

	sfuVoice(t, alice, meet.ID, &media.Tone{Freq: 440, Amplitude: 0.3})
	require.Eventually(t, func() bool { return call.Err() != nil }, 10*time.Second, 20*time.Millisecond, "bob's offer for alice refused")
	require.ErrorContains(t, call.Err(), "offer refused: "+protocol.ErrData.String())

	sfuVoice(t, carol, meet.ID, &media.Tone{Freq: 660, Amplitude: 0.3})
	heardBoth(t, bobHears, 440, 660)
}
