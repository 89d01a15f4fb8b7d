import ServerInfo from './components/ServerInfo';

export default function Home() {
  return (
    <>
      <h1>Status</h1>
      <p>Live data from the server this page came from:</p>
      <ServerInfo />
    </>
  );
}
