package media

import "time"

// pacer keeps a 20 ms frame clock honest under load: a ticker drops ticks
// when its reader is late, so counting ticks would lose frames, and a
// sender that loses frames makes every listener's jitter buffer run dry.
// due says how many frames are owed since the start instead.
type pacer struct {
	start time.Time
	done  int64
}

// maxCatchUp bounds the frames made up at once after a stall; a longer
// stall is skipped rather than sent as a burst no jitter buffer holds.
const maxCatchUp = maxJitter / 2

func newPacer(now time.Time) *pacer { return &pacer{start: now} }

// due returns the number of frames to produce now (at least 1 per tick).
func (p *pacer) due(now time.Time) int {
	owed := int64(now.Sub(p.start)/FrameDuration) + 1 - p.done
	if owed > maxCatchUp {
		p.done += owed - maxCatchUp
		owed = maxCatchUp
	}
	owed = max(owed, 1)
	p.done += owed
	return int(owed)
}
