package bench

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram records durations lock-free, from many reader goroutines at
// once, in log-linear buckets: 32 per power of two of nanoseconds, so any
// percentile is within about 3% of the true value.
type histogram struct {
	counts [64 * subBuckets]atomic.Uint64
	n      atomic.Uint64
}

const subBits = 5
const subBuckets = 1 << subBits

func bucketOf(ns int64) int {
	if ns < subBuckets {
		if ns < 0 {
			ns = 0
		}
		return int(ns)
	}
	exp := bits.Len64(uint64(ns)) - 1 - subBits // how far ns is shifted down
	sub := int(uint64(ns)>>uint(exp)) - subBuckets
	return (exp+1)*subBuckets + sub
}

// lowest value of bucket b; the inverse of bucketOf.
func bucketFloor(b int) int64 {
	if b < subBuckets {
		return int64(b)
	}
	exp := b/subBuckets - 1
	sub := b % subBuckets
	return int64(subBuckets+sub) << uint(exp)
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucketOf(int64(d))].Add(1)
	h.n.Add(1)
}

func (h *histogram) count() uint64 { return h.n.Load() }

// quantile returns the q-th quantile (0..1) as the middle of its bucket.
func (h *histogram) quantile(q float64) time.Duration {
	total := h.n.Load()
	if total == 0 {
		return 0
	}
	rank := uint64(q*float64(total-1)) + 1
	var seen uint64
	for b := range h.counts {
		seen += h.counts[b].Load()
		if seen >= rank {
			lo, hi := bucketFloor(b), bucketFloor(b+1)
			return time.Duration((lo + hi) / 2)
		}
	}
	return 0
}

func (h *histogram) reset() {
	for b := range h.counts {
		h.counts[b].Store(0)
	}
	h.n.Store(0)
}
