import type { Metadata } from 'next';

export const metadata: Metadata = { title: 'About · cairn realistic sample' };

const endpoints: [string, string][] = [
  ['/health', 'liveness: "ok"'],
  ['/version', 'the server version line'],
  ['/api/info', 'name, version, greeting, features, uptime and request count as JSON'],
  ['/config', 'the config file the server was started with'],
];

export default function About() {
  return (
    <>
      <h1>About</h1>
      <p>
        A Rust workspace (hyper on tokio) and this Next.js static export, built into one container
        image by cairn. The server answers:
      </p>
      <table>
        <tbody>
          {endpoints.map(([path, what]) => (
            <tr key={path}>
              <td>
                <code>{path}</code>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
