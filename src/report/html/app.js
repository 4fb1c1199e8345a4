// placeholder until the browser app lands (h/html)
const data = JSON.parse(document.getElementById("gc-data").textContent);
document.getElementById("app").textContent = data.title;
