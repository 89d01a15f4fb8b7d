'use client';

import { useEffect, useState } from 'react';

type Info = {
  name: string;
  version: string;
  greeting: string;
  features: string[];
  uptime_seconds: number;
  requests: number;
};

// Polls GET /api/info every 5 s; the static export has no server code of its own.
export default function ServerInfo() {
  const [info, setInfo] = useState<Info | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const response = await fetch('/api/info', { cache: 'no-store' });
        if (!response.ok) throw new Error(`status ${response.status}`);
        const body = (await response.json()) as Info;
        if (!cancelled) {
          setInfo(body);
          setError(null);
        }
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e));
      }
    };
    load();
    const timer = setInterval(load, 5000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);

  if (error) return <p className="error">Server unreachable: {error}</p>;
  if (!info) return <p>Loading…</p>;
  return (
    <dl>
      <dt>Greeting</dt>
      <dd>{info.greeting}</dd>
      <dt>Version</dt>
      <dd>{info.version}</dd>
      <dt>Uptime</dt>
      <dd>{info.uptime_seconds} s</dd>
      <dt>Requests served</dt>
      <dd>{info.requests}</dd>
      <dt>Features</dt>
      <dd>{info.features.length ? info.features.join(', ') : 'none'}</dd>
    </dl>
  );
}
