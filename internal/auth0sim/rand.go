package auth0sim

import (
	"math/bits"
	"sort"
)

// Everything the generator makes is a pure function of (seed, index), so a
// tenant of a million users never needs to hold a million structs.

// mix64 is the splitmix64 finalizer: a cheap, well-mixed hash of one word.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash3 hashes a seed with a domain tag and an index.
func hash3(seed int64, tag, i uint64) uint64 {
	return mix64(mix64(uint64(seed)^tag*0x9e3779b97f4a7c15) ^ i)
}

// rng is a small deterministic generator (splitmix64).
type rng struct{ s uint64 }

func newRNG(seed int64, tag, i uint64) *rng { return &rng{s: hash3(seed, tag, i)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a value in [0, n); n <= 0 gives 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) chance(p float64) bool { return r.float() < p }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// str returns n characters from alphabet.
func (r *rng) str(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.intn(len(alphabet))]
	}
	return string(b)
}

func (r *rng) hex(n int) string { return r.str(n, "0123456789abcdef") }

// perm is a keyed bijection of [0, n): a 4-round Feistel network on the next
// even power of two, cycle-walked into range. It spreads role and
// organization membership over users without storing any per-user state, and
// its inverse lists the members of a block directly.
type perm struct {
	n    uint64
	half uint
	mask uint64
	keys [4]uint64
}

func newPerm(n int, seed int64, tag uint64) perm {
	b := uint(bits.Len64(uint64(max(n, 4) - 1)))
	if b%2 == 1 {
		b++
	}
	p := perm{n: uint64(n), half: b / 2, mask: 1<<(b/2) - 1}
	for i := range p.keys {
		p.keys[i] = hash3(seed, tag, uint64(i))
	}
	return p
}

func (p perm) round(k int, x uint64) uint64 { return mix64(x^p.keys[k]) & p.mask }

func (p perm) enc(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for k := 0; k < 4; k++ {
		l, r = r, l^p.round(k, r)
	}
	return l<<p.half | r
}

func (p perm) dec(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for k := 3; k >= 0; k-- {
		l, r = r^p.round(k, l), l
	}
	return l<<p.half | r
}

// apply maps i in [0, n) to its position; inverse maps a position back.
func (p perm) apply(i int) int {
	y := p.enc(uint64(i))
	for y >= p.n {
		y = p.enc(y)
	}
	return int(y)
}

func (p perm) inverse(j int) int {
	y := p.dec(uint64(j))
	for y >= p.n {
		y = p.dec(y)
	}
	return int(y)
}

// layout assigns users to groups (roles of one layer, or organizations):
// group g owns the permuted positions [pre[g], pre[g+1]); positions past the
// last group belong to no group.
type layout struct {
	p   perm
	pre []int
}

func newLayout(n int, seed int64, tag uint64, sizes []int) layout {
	l := layout{p: newPerm(n, seed, tag), pre: make([]int, len(sizes)+1)}
	for g, s := range sizes {
		l.pre[g+1] = l.pre[g] + s
	}
	return l
}

func (l layout) groups() int           { return len(l.pre) - 1 }
func (l layout) size(g int) int        { return l.pre[g+1] - l.pre[g] }
func (l layout) member(g, pos int) int { return l.p.inverse(l.pre[g] + pos) }

// groupOf returns the group of user i and i's position in it.
func (l layout) groupOf(i int) (g, pos int, ok bool) {
	if l.p.n == 0 || len(l.pre) < 2 || i < 0 || uint64(i) >= l.p.n {
		return 0, 0, false
	}
	j := l.p.apply(i)
	if j >= l.pre[len(l.pre)-1] {
		return 0, 0, false
	}
	g = sort.Search(len(l.pre)-1, func(k int) bool { return l.pre[k+1] > j })
	return g, j - l.pre[g], true
}

// splitSizes divides total among len(weights) groups proportionally.
func splitSizes(total int, weights []int) []int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	if sum == 0 {
		return out
	}
	acc, given := 0, 0
	for g, w := range weights {
		acc += w
		want := int(int64(total) * int64(acc) / int64(sum))
		out[g] = want - given
		given = want
	}
	return out
}
