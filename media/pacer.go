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

// maxCatchUp bounds the frames made up at once after a stall (half a
// second); a longer stall is skipped rather than sent as a burst. Within
// it nothing is lost: the receiver's jitter buffer absorbs the burst, and
// trims it if it makes the delay grow.
const maxCatchUp = 25

func newPacer(now time.Time) *pacer { return &pacer{start: now} }

// due returns the number of frames to produce now: none on a tick that
// comes right after a late one made up for it.
func (p *pacer) due(now time.Time) int {
	owed := int64(now.Sub(p.start)/FrameDuration) + 1 - p.done
	if owed > maxCatchUp {
		p.done += owed - maxCatchUp
		owed = maxCatchUp
	}
	owed = max(owed, 0)
	p.done += owed
	return int(owed)
}
