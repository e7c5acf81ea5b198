package store

import (
	"strings"
	"unicode"

	"github.com/authgraph/authgraph/internal/apperr"
)

// The console's guard reads a query as tokens, so that keywords inside
// strings, comments or `quoted names` are not mistaken for clauses, and a
// comment between CALL and a procedure name does not hide the name.

type tokKind int

const (
	tWord   tokKind = iota // unquoted identifier or keyword
	tQuoted                // `quoted` identifier (never a keyword)
	tString                // 'string' or "string"
	tNumber
	tParam // $name
	tPunct // one character of punctuation or operator
)

type token struct {
	kind tokKind
	text string // words upper-cased; quoted names unquoted; punct the char
	pos  int
}

func (t token) is(word string) bool { return t.kind == tWord && t.text == word }

func (t token) punct(c string) bool { return t.kind == tPunct && t.text == c }

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// isCypherSpace reports whether Cypher reads r as whitespace: Neo4j 5.26
// accepts exactly these between tokens (measured on the server). Go's
// unicode.IsSpace differs: it lacks U+001C–U+001F and has U+0085.
func isCypherSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r >= 0x1C && r <= 0x20, r == 0xA0, r == 0x1680,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// decodeUnicodeEscapes replaces \uXXXX escapes with their characters the way
// Neo4j does before it reads keywords, names, comments and strings, so the
// guard reads what Neo4j reads: a \u0027 inside a string ends it, a \u000a
// ends a // comment, \u004cOAD is LOAD. A backslash that is itself escaped
// (an even run of backslashes) starts no escape.
func decodeUnicodeEscapes(q string) string {
	if !strings.Contains(q, `\u`) {
		return q
	}
	rs := []rune(q)
	var b strings.Builder
	run := 0 // backslashes just before rs[i]
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\\' && run%2 == 0 && i+5 < len(rs) && rs[i+1] == 'u' && isHex4(rs[i+2:i+6]) {
			n := 0
			for _, h := range rs[i+2 : i+6] {
				n = n*16 + hexVal(h)
			}
			b.WriteRune(rune(n))
			i += 5
			run = 0
			continue
		}
		if r == '\\' {
			run++
		} else {
			run = 0
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isHex4(rs []rune) bool {
	for _, r := range rs {
		if hexVal(r) < 0 {
			return false
		}
	}
	return true
}

func hexVal(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10
	}
	return -1
}

// lexCypher splits a query into tokens, dropping whitespace and comments,
// after decoding \u escapes as Neo4j does. Unterminated strings, quoted
// names and comments are Invalid.
func lexCypher(q string) ([]token, error) {
	rs := []rune(decodeUnicodeEscapes(q))
	var out []token
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isCypherSpace(r):
			i++
		case r == '/' && i+1 < len(rs) && rs[i+1] == '/':
			for i < len(rs) && rs[i] != '\n' && rs[i] != '\r' {
				i++
			}
		case r == '/' && i+1 < len(rs) && rs[i+1] == '*':
			end := -1
			for j := i + 2; j+1 < len(rs); j++ {
				if rs[j] == '*' && rs[j+1] == '/' {
					end = j + 2
					break
				}
			}
			if end < 0 {
				return nil, apperr.New(apperr.Invalid, "unterminated /* comment")
			}
			i = end
		case r == '\'' || r == '"':
			j := i + 1
			var b strings.Builder
			closed := false
			for j < len(rs) {
				if rs[j] == '\\' && j+1 < len(rs) {
					b.WriteRune(rs[j+1])
					j += 2
					continue
				}
				if rs[j] == r {
					closed = true
					j++
					break
				}
				b.WriteRune(rs[j])
				j++
			}
			if !closed {
				return nil, apperr.New(apperr.Invalid, "unterminated string")
			}
			out = append(out, token{kind: tString, text: b.String(), pos: i})
			i = j
		case r == '`':
			name, j, ok := lexQuoted(rs, i)
			if !ok {
				return nil, apperr.New(apperr.Invalid, "unterminated `quoted name`")
			}
			out = append(out, token{kind: tQuoted, text: name, pos: i})
			i = j
		case r == '$':
			j := i + 1
			var name string
			if j < len(rs) && rs[j] == '`' {
				n, k, ok := lexQuoted(rs, j)
				if !ok {
					return nil, apperr.New(apperr.Invalid, "unterminated `quoted name`")
				}
				name, j = n, k
			} else {
				for j < len(rs) && isIdentPart(rs[j]) {
					j++
				}
				name = string(rs[i+1 : j])
			}
			out = append(out, token{kind: tParam, text: name, pos: i})
			i = j
		case isIdentStart(r):
			j := i
			for j < len(rs) && isIdentPart(rs[j]) {
				j++
			}
			out = append(out, token{kind: tWord, text: strings.ToUpper(string(rs[i:j])), pos: i})
			i = j
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && (isIdentPart(rs[j]) || (rs[j] == '.' && j+1 < len(rs) && unicode.IsDigit(rs[j+1]))) {
				j++
			}
			out = append(out, token{kind: tNumber, text: string(rs[i:j]), pos: i})
			i = j
		default:
			out = append(out, token{kind: tPunct, text: string(r), pos: i})
			i++
		}
	}
	return out, nil
}

// lexQuoted reads a `quoted name` starting at rs[i] == '`'; a doubled
// backtick stands for one.
func lexQuoted(rs []rune, i int) (string, int, bool) {
	var b strings.Builder
	for j := i + 1; j < len(rs); j++ {
		if rs[j] == '`' {
			if j+1 < len(rs) && rs[j+1] == '`' {
				b.WriteRune('`')
				j++
				continue
			}
			return b.String(), j + 1, true
		}
		b.WriteRune(rs[j])
	}
	return "", len(rs), false
}
