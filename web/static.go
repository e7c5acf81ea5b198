package web

import (
	"embed"
	"io/fs"
	"strings"
)

// dist is the built web app (web/app → `make ui` → web/dist). It is
// committed, so `go build` embeds it without Node.
//
//go:embed all:dist
var dist embed.FS

// Assets returns the built web app, rooted at its index.html, or nil when
// this build has none (web/dist without index.html).
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}

// cacheControl is the Cache-Control of a static file: Vite names the
// files under assets/ by their content hash, so they never change and are
// cached for a year; everything else (index.html, the client-side routes
// that fall back to it) is revalidated on every load, so a new binary's
// app shows at once.
func cacheControl(p string) string {
	if strings.HasPrefix(p, "assets/") && p != "assets/" {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}
