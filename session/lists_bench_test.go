package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/session"
)

// BenchmarkLargeLists is the time to a complete list, as the app gets it
// (GetUserStatusSuccess, GetMeetingsSuccess, every page fetched), from a
// server on loopback whose store holds a big organisation: 100,000 users
// and 10,000 meetings. The baseline, measured in the same run, is a small
// one: 1,000 users and 1,000 meetings. It reports each time and big/small
// (100 would be linear in the list's length). docs/performance.md,
// "Large applications".
func BenchmarkLargeLists(b *testing.B) {
	const bigUsers, bigMeetings, smallUsers, smallMeetings = 100_000, 10_000, 1_000, 1_000
	big, bigEvents := benchLogin(b, testkit.StartServer(b, testkit.WithCrowd(bigUsers, bigMeetings)).URL, "alice", "")
	small, smallEvents := benchLogin(b, testkit.StartServer(b, testkit.WithCrowd(smallUsers, smallMeetings)).URL, "alice", "")

	users := func(s *session.Session, events <-chan session.Event, want int) time.Duration {
		start := time.Now()
		s.GetUserStatus("")
		for ev := range events {
			if e, ok := ev.(session.GetUserStatusSuccess); ok {
				took := time.Since(start)
				require.Len(b, e.Users, want)
				return took
			}
			require.IsType(b, session.NotifyUserStatus{}, ev, "%+v", ev)
		}
		return 0
	}
	meetings := func(s *session.Session, events <-chan session.Event, want int) time.Duration {
		start := time.Now()
		s.GetMeetings("")
		for ev := range events {
			if e, ok := ev.(session.GetMeetingsSuccess); ok {
				took := time.Since(start)
				require.Len(b, e.Meetings, want)
				return took
			}
		}
		return 0
	}
	var bigU, smallU, bigM, smallM time.Duration
	for b.Loop() {
		bigU += users(big, bigEvents, bigUsers+1)
		smallU += users(small, smallEvents, smallUsers+1)
		bigM += meetings(big, bigEvents, bigMeetings)
		smallM += meetings(small, smallEvents, smallMeetings)
	}
	ms := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
	b.ReportMetric(ms(bigU), "users-100k-ms")
	b.ReportMetric(ms(smallU), "users-1k-ms")
	b.ReportMetric(float64(bigU)/float64(smallU), "users-100k/1k")
	b.ReportMetric(ms(bigM), "meetings-10k-ms")
	b.ReportMetric(ms(smallM), "meetings-1k-ms")
	b.ReportMetric(float64(bigM)/float64(smallM), "meetings-10k/1k")
}
