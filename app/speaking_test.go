package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A member shows as speaking from the first loud sample, stays so through
// a short pause, and clears once the hold has passed in silence.
func TestSpeakingHoldsThroughPausesAndClears(t *testing.T) {
	var s speakers
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

	assert.False(t, s.update(map[string]float64{"bob": 0.01, "carl": 0}, at(0)), "below the level: nobody speaks")
	assert.False(t, s.on["bob"])
	assert.True(t, s.update(map[string]float64{"bob": 0.3, "carl": 0}, at(100)), "bob starts")
	assert.True(t, s.on["bob"])
	assert.False(t, s.on["carl"])
	assert.False(t, s.update(map[string]float64{"bob": 0}, at(100+int(SpeakingHold/time.Millisecond)-1)), "a pause shorter than the hold")
	assert.True(t, s.on["bob"])
	assert.True(t, s.update(map[string]float64{"bob": 0}, at(100+int(SpeakingHold/time.Millisecond))), "silent for the hold: bob stops")
	assert.False(t, s.on["bob"])
	s.update(map[string]float64{"carl": 0.5}, at(2000))
	assert.True(t, s.reset(), "the audio ended while carl spoke")
	assert.False(t, s.on["carl"])
}
