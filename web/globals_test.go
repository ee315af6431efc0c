package web_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
)

// documentedGlobals reads the "Every global" tables of docs/web-sdk.md:
// each CRVideo_ name of a row's first column, with the row's state
// (implemented, stub or absent).
func documentedGlobals(t *testing.T) map[string]string {
	t.Helper()
	doc, err := os.ReadFile("../docs/web-sdk.md")
	require.NoError(t, err)
	text := string(doc)
	start := strings.Index(text, "\n## Every global")
	require.Positive(t, start)
	end := strings.Index(text[start+1:], "\n## ")
	require.Positive(t, end)
	name := regexp.MustCompile(`CRVideo_\w+`)
	states := map[string]string{}
	for _, line := range strings.Split(text[start:start+1+end], "\n") {
		if !strings.HasPrefix(line, "| `CRVideo_") {
			continue
		}
		cols := strings.Split(line, "|")
		require.GreaterOrEqual(t, len(cols), 4, line)
		state := strings.TrimSpace(cols[2])
		require.Contains(t, []string{"implemented", "stub", "absent"}, state, line)
		for _, n := range name.FindAllString(cols[1], -1) {
			require.NotContains(t, states, n, "listed twice")
			states[n] = state
		}
	}
	return states
}

// docs/web-sdk.md lists every global the SDK defines, and what it says of
// each holds in a browser: implemented and stubbed names exist at load
// (functions, callback objects, constants), absent ones do not (or are the SDK's
// traps that name them on the console).
func TestDocsListEveryGlobal(t *testing.T) {
	documented := documentedGlobals(t)
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	var defined map[string]string // name → function, object or trap
	p.eval(`(() => {
		const out = {};
		for (const k of Object.getOwnPropertyNames(window)) {
			if (!k.startsWith("CRVideo_")) continue;
			const d = Object.getOwnPropertyDescriptor(window, k);
			out[k] = d.get ? "trap" : typeof d.value;
		}
		return out;
	})()`, &defined)
	delete(defined, "CRVideo_ERR_DEF") // the codes, described in prose

	for name, state := range documented {
		switch state {
		case "absent":
			assert.Contains(t, []string{"", "trap"}, defined[name], "%s is documented as absent", name)
		default:
			assert.Contains(t, []string{"function", "object", "number"}, defined[name], "%s is documented as %s", name, state)
		}
	}
	for name, kind := range defined {
		state, ok := documented[name]
		if !assert.True(t, ok, "%s (%s) is not in docs/web-sdk.md's tables of globals", name, kind) {
			continue
		}
		if kind == "trap" {
			assert.Equal(t, "absent", state, name)
		} else {
			assert.NotEqual(t, "absent", state, "%s is defined: docs/web-sdk.md must say what it does", name)
		}
	}
}

// A page that touches a name of the H5 SDK that Huddle does not have gets
// a console error naming it, whether it calls a function or sets the
// callback of a notification; a name nobody defines is the browser's own
// ReferenceError, which names it too. The page may define such a name
// itself, and the SDK leaves no global of its hash library.
func TestAbsentGlobalsAreNamedOnTheConsole(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	var thrown []string
	p.eval(`(() => {
		const out = [];
		try { CRVideo_Createboard("t", 1, 1, 1); } catch (e) { out.push(e.name + ": " + e.message); }
		try { window.CRVideo_NotifyCreateBoard.callback = function () {}; } catch (e) { out.push(e.name); }
		try { CRVideo_NoSuchThing(); } catch (e) { out.push(e.name + ": " + e.message); }
		window.CRVideo_Setvideowallmode = function (mode) { return "mine " + mode; };
		out.push(CRVideo_Setvideowallmode(3));
		out.push(typeof hashwasm);
		return out;
	})()`, &thrown)
	assert.Equal(t, []string{
		"TypeError: CRVideo_Createboard is not a function",
		"TypeError",
		"ReferenceError: CRVideo_NoSuchThing is not defined",
		"mine 3",
		"undefined",
	}, thrown)
	problems := p.takeProblems()
	require.Len(t, problems, 2)
	assert.Contains(t, problems[0], "CRVideo_Createboard is not in Huddle's SDK: whiteboards are not supported")
	assert.Contains(t, problems[1], "CRVideo_NotifyCreateBoard is not in Huddle's SDK: whiteboards are not supported")
}
