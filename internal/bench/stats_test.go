package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestHistogramQuantilesWithinBucketError(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	assert.EqualValues(t, 1000, h.count())
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.quantile(c.q)
		assert.InEpsilon(t, float64(c.want), float64(got), 0.04, "q=%v got %v", c.q, got)
	}
}

func TestHistogramBucketsRoundTrip(t *testing.T) {
	for _, ns := range []int64{0, 1, 31, 32, 33, 1000, 123456789, 1 << 40} {
		b := bucketOf(ns)
		assert.LessOrEqual(t, bucketFloor(b), ns, "ns=%d", ns)
		assert.Greater(t, bucketFloor(b+1), ns, "ns=%d", ns)
	}
}

func TestEmptyHistogramIsZero(t *testing.T) {
	var h histogram
	assert.Zero(t, h.quantile(0.99))
}
