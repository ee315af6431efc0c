package media

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The pacer owes exactly one frame per 20 ms whatever the ticks do: a late
// tick is made up for, and the tick after it owes nothing extra.
func TestPacerKeepsTheFrameClock(t *testing.T) {
	t0 := time.Unix(0, 0)
	p := newPacer(t0)
	total := 0
	for _, ms := range []int{20, 40, 95, 99, 100, 120, 140, 2000, 2020} {
		total += p.due(t0.Add(time.Duration(ms) * time.Millisecond))
		if ms == 100 {
			require.Equal(t, 6, total, "by 100 ms: frames 0..5")
		}
	}
	// 2,020 ms owes 102 frames; of the 93 (frames 8..100) due at the
	// tick after the stall, all but maxCatchUp were skipped.
	require.Equal(t, 102-(93-maxCatchUp), total)
}
