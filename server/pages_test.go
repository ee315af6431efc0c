package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
	"huddle/server/store"
)

func TestJSONStringLenIsAnUpperBound(t *testing.T) {
	for _, s := range []string{"", "plain", `quo"te\`, "<a&b>", "tab\there\x01", "会议", "a\u2028b", "bad\xffutf8", "🙂"} {
		enc, err := json.Marshal(s)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, jsonStringLen(s), len(enc), "%q", s)
	}
}

func TestUsersPageFitsAndMovesOn(t *testing.T) {
	ids := newUserIDs()
	for _, id := range []string{"c", "a", "d", "b"} {
		ids.add(id)
	}
	get := func(id string) protocol.UserStatus {
		return protocol.UserStatus{User: id, Nick: strings.Repeat("n", 100)}
	}
	one := userStatusLen(get("a"))

	p := usersPage(ids.after(""), 2*one, get)
	assert.Len(t, p.Users, 2)
	assert.Equal(t, "b", p.Next)
	enc, _ := json.Marshal(p.Users)
	assert.LessOrEqual(t, len(enc), 2*one+1, "the estimate bounds the real size (+1: brackets, not commas)")
	assert.Greater(t, len(enc), 2*one-8, "and is close to it")

	p = usersPage(ids.after("b"), 1, get)
	assert.Equal(t, []protocol.UserStatus{get("c")}, p.Users, "an entry over the bound still moves the cursor on")
	assert.Equal(t, "c", p.Next)

	p = usersPage(ids.after("bb"), 10*one, get)
	assert.Equal(t, []protocol.UserStatus{get("c"), get("d")}, p.Users, "after an ID that is gone: the next one")
	assert.Empty(t, p.Next)

	p = usersPage(ids.after("d"), one, get)
	assert.Empty(t, p.Users)
	assert.NotNil(t, p.Users, "an empty list, not null")
}

func TestMeetingLenBoundsTheEncoding(t *testing.T) {
	for _, m := range []protocol.Meeting{
		{ID: 123456789, Subject: "s"},
		{ID: 987654321, Pswd: "123456", Subject: `会议 "<q>"`, URL: "huddle://meet/987654321", Creator: "carol", Members: 12, StartTime: -1},
	} {
		enc, err := json.Marshal([]protocol.Meeting{m, m})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(enc), 2*meetingLen(m)+1, "%+v", m)
	}
}

func TestMeetingCursorRoundTrip(t *testing.T) {
	m := &meeting{Meeting: store.Meeting{ID: 123456789, StartTime: time.Unix(1700000000, 0)}}
	c, err := parseMeetingCursor(meetingCursor{start: 1700000000, id: 123456789}.String())
	require.NoError(t, err)
	assert.False(t, c.before(m), "the cursor's own meeting is not after it")
	c.id--
	assert.True(t, c.before(m))
	first, err := parseMeetingCursor("")
	require.NoError(t, err)
	assert.True(t, first.before(m))
	for _, bad := range []string{"x", "1", "1.x", "x.1", "1.2.3"} {
		_, err := parseMeetingCursor(bad)
		assert.Error(t, err, bad)
	}
}
