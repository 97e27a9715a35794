# The ReLU Convexity Explorer, served for a class: `docker build -t relu-explorer .` then
# `docker run -p 8501:8501 relu-explorer` and open http://localhost:8501.
# Server limits (upload size, message size, widget state, error details) come from
# .streamlit/config.toml, copied with the app; the work budget per request is in explorer/budget.py.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a change to the app does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Compile the numba pricing kernels now (cache=True writes them next to the source), so the first
# visitor does not wait for the compiler: price one dual point of a small data set.
RUN python -c "import numpy as np; from datasets import make_dataset; from engine.network import lift; from engine.convex.pricing import sphere_price; ds = make_dataset('moons', 20, seed=0); print('pricing compiled:', sphere_price(lift(ds.X), ds.y / 20).value)"

# The same for the Playground's plane kernels (f of every playback frame, the level line f = 0):
# compiled on first use they would hold the first figure ~10 s.
RUN python -c "import numpy as np; from engine.figures.playground import networks_values; from engine.figures.style import zero_level_lines; f = networks_values(np.ones((1, 2, 3)), np.array([[1.0, -3.0]]), np.eye(2)).reshape(2, 1) * np.array([1.0, -1.0]); print('plane kernels compiled:', zero_level_lines(np.arange(2.0), np.arange(2.0), f)[0].size, 'level points')"

# plotly.js for the charts that update in place (explorer.live_chart), copied from the installed plotly
# package into static/, which Streamlit serves at app/static/ (server.enableStaticServing).
RUN python -c "from explorer.live_chart import prepare_static, script_name; assert prepare_static(), 'static/ not writable'; print('plotly.js in static/:', script_name())"

# Run as an unprivileged user; the compiled kernels stay readable.
RUN useradd --create-home --uid 10001 explorer && chown -R explorer /app
USER explorer

EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"]

CMD ["streamlit", "run", "app.py", "--server.headless=true", "--server.fileWatcherType=none", "--server.runOnSave=false", "--browser.gatherUsageStats=false", "--server.address=0.0.0.0", "--server.port=8501"]
