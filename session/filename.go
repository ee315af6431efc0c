package session

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes keeps a cleaned name, plus the unique prefix the receiver
// adds, under the 255-byte limit of common file systems.
const maxNameBytes = 200

// CleanFileName turns the name a sender announced into a safe base name for
// this machine: no directories (either separator), no "..", no control
// characters, bidirectional overrides (which disguise "gnp.exe" as
// "exe.png") or characters Windows forbids, no reserved Windows device names
// (CON, NUL, COM1…), no trailing dots or spaces, valid UTF-8, at most 200
// bytes (the extension kept). An empty result becomes "file".
func CleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || strings.ContainsRune(`<>:"|?*`, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	name = strings.TrimLeft(name, " ")
	if strings.Trim(name, ".") == "" {
		return "file"
	}
	if reservedWindowsName(name) {
		name = "_" + name
	}
	if len(name) > maxNameBytes {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
			ext = name[i:]
		}
		stem := name[:maxNameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}

// reservedWindowsName: Windows maps these to devices, with any extension.
func reservedWindowsName(name string) bool {
	stem := name
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if !strings.HasPrefix(stem, "COM") && !strings.HasPrefix(stem, "LPT") {
		return false
	}
	switch n := stem[3:]; n {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}
