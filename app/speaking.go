package app

import "time"

const (
	// SpeakingLevel is the loudness (RMS, 0..1) over which a member counts
	// as speaking: about -34 dBFS, above a quiet room's noise and below
	// quiet speech.
	SpeakingLevel = 0.02
	// SpeakingHold keeps a member shown as speaking this long after their
	// level last went over SpeakingLevel, so the indicator does not flicker
	// between words.
	SpeakingHold = 500 * time.Millisecond
)

// speakers is who is speaking now, from samples of the members' levels.
type speakers struct {
	loud map[string]time.Time // when each member was last over the level
	on   map[string]bool
}

// update takes the levels sampled at now and says whether anyone started or
// stopped speaking.
func (s *speakers) update(levels map[string]float64, now time.Time) bool {
	if s.loud == nil {
		s.loud, s.on = map[string]time.Time{}, map[string]bool{}
	}
	for id, l := range levels {
		if l > SpeakingLevel {
			s.loud[id] = now
		}
	}
	changed := false
	for id, at := range s.loud {
		on := now.Sub(at) < SpeakingHold
		if on != s.on[id] {
			changed = true
		}
		if on {
			s.on[id] = true
		} else {
			delete(s.on, id)
			delete(s.loud, id)
		}
	}
	return changed
}

// reset forgets everyone (the audio ended); it says whether anyone was
// shown speaking.
func (s *speakers) reset() bool {
	was := len(s.on) > 0
	s.loud, s.on = nil, nil
	return was
}
