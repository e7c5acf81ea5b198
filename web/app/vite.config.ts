import { defineConfig } from 'vite';

// The app builds into ../dist, which web/static.go embeds in the Go binary
// (committed, so `go build` needs no Node). `npm run dev` proxies the API to
// an `authgraph serve` on AUTHGRAPH_API (default http://127.0.0.1:8080).
const api = process.env.AUTHGRAPH_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
    // Two pages: the app, and GraphiQL (served at GET /graphql).
    rollupOptions: {
      input: { index: 'index.html', graphiql: 'graphiql.html' },
    },
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  server: {
    proxy: { '/graphql': api, '/healthz': api, '/auth': api },
  },
});
