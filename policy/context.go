package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Context holds the request's condition keys; policy variables are read
// from it too.
//
// Keys are case-insensitive, as AWS's are: "aws:SourceIp" and
// "aws:sourceip" are one key. A key may hold several values (a multivalued
// key such as aws:TagKeys); a key set with no values is present but
// empty, and conditions treat it as missing.
//
// The zero value is an empty context. Reset empties it while keeping its
// memory, so that a server can reuse one Context per worker and set its
// keys for each request without allocating. Get never allocates. A
// Context must not be modified while an evaluation reads it.
type Context struct {
	entries []ctxEntry
	vals    []string // the values of every entry, back to back
}

type ctxEntry struct {
	hash       uint32
	key        string // lower-cased
	orig       string // the key as Set received it, to reuse key after Reset
	start, end int    // the entry's values are vals[start:end]
}

// Set sets key to values, replacing any values it had.
func (c *Context) Set(key string, values ...string) {
	var h uint32
	var lower string
	n := len(c.entries)
	if n < cap(c.entries) && c.entries[:n+1][n].orig == key {
		// The same key in the same place as before the last Reset (as
		// each request of a server sets the same keys in the same order):
		// reuse its lower-cased form.
		old := c.entries[:n+1][n]
		h, lower = old.hash, old.key
	} else {
		lower = toLower(key)
		h = keyHash(lower)
	}
	start := len(c.vals)
	c.vals = append(c.vals, values...)
	if i := c.find(h, lower); i >= 0 {
		c.entries[i].start, c.entries[i].end = start, len(c.vals)
		return
	}
	c.entries = append(c.entries, ctxEntry{hash: h, key: lower, orig: key, start: start, end: len(c.vals)})
}

// Get returns the values of key, and whether it is set.
func (c *Context) Get(key string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	h := keyHashFold(key)
	for i := range c.entries {
		e := &c.entries[i]
		if e.hash == h && strings.EqualFold(e.key, key) {
			return c.vals[e.start:e.end:e.end], true
		}
	}
	return nil, false
}

// Reset removes every key, keeping the memory for reuse.
func (c *Context) Reset() {
	clear(c.vals) // let the values be collected
	c.vals = c.vals[:0]
	c.entries = c.entries[:0]
}

// Len returns the number of keys set.
func (c *Context) Len() int {
	if c == nil {
		return 0
	}
	return len(c.entries)
}

// find returns the index of the entry for the lower-cased key, or -1.
func (c *Context) find(h uint32, lower string) int {
	for i := range c.entries {
		if c.entries[i].hash == h && c.entries[i].key == lower {
			return i
		}
	}
	return -1
}

// values returns the values of the lower-cased key with hash h. A key that
// is missing or has no values is not present.
func (c *Context) values(h uint32, lower string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	for i := range c.entries {
		e := &c.entries[i]
		if e.hash == h && e.key == lower {
			if e.start == e.end {
				return nil, false
			}
			return c.vals[e.start:e.end:e.end], true
		}
	}
	return nil, false
}

// single returns the value of the lower-cased key if it has exactly one,
// which is what a policy variable needs: AWS cannot substitute a
// multivalued key.
func (c *Context) single(h uint32, lower string) (string, bool) {
	v, ok := c.values(h, lower)
	if !ok || len(v) != 1 || v[0] == "" && userDefined(lower) {
		// An empty tag is null: the variable has no value, and "there is
		// no equal or like value" (reference_policies_variables), rather
		// than one that makes "${aws:PrincipalTag/dept}*" a plain "*".
		return "", false
	}
	return v[0], true
}

// userDefined reports whether a lower-cased key is a tag, whose value the
// user defines and may leave empty, which AWS takes for null.
func userDefined(lower string) bool {
	for _, p := range [...]string{"aws:requesttag/", "aws:principaltag/", "aws:resourcetag/", "s3:requestobjecttag/", "s3:existingobjecttag/"} {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// toLower is strings.ToLower, without the allocation when s is lower-case
// already.
func toLower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// keyHash is FNV-1a of a lower-cased key.
func keyHash(lower string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(lower); i++ {
		h = (h ^ uint32(lower[i])) * 16777619
	}
	return h
}

// keyHashFold is keyHash(strings.ToLower(s)), without building the string.
func keyHashFold(s string) uint32 {
	h := uint32(2166136261)
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			h = (h ^ uint32(lowerASCII(c))) * 16777619
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		for _, b := range buf[:utf8.EncodeRune(buf[:], unicode.ToLower(r))] {
			h = (h ^ uint32(b)) * 16777619
		}
	}
	return h
}
