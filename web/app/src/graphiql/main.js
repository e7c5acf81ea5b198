// GraphiQL, bundled from npm packages and served by authgraph itself (no
// CDN, no inline script: it runs under the server's Content-Security-Policy
// and offline). Plain JavaScript with React.createElement, so the app's
// Preact JSX settings do not apply here. Requests go to POST /graphql with
// the page's session cookie (same origin).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/graphiql.css';

const fetcher = createGraphiQLFetcher({ url: '/graphql' });

createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: '{ tenants { id name lastSync { status finished } } }\n',
  }),
);
