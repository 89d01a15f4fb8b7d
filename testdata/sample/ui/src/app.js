// Asks the server who it is; the answers show up in the page.
async function show(path, id) {
  const response = await fetch(path);
  document.getElementById(id).textContent = (await response.text()).trim();
}

show('/version', 'version');
show('/health', 'health');
