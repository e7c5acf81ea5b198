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

// lexCypher splits a query into tokens, dropping whitespace and comments.
// Unterminated strings, quoted names and comments are Invalid.
func lexCypher(q string) ([]token, error) {
	rs := []rune(q)
	var out []token
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
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
