# OrgLife: `make run` starts the app on the embedded stack; `make test` runs the whole suite on PostgreSQL.
SHELL := /bin/bash
UV := $(shell scripts/ensure-uv.sh)
PY := $(UV) run --frozen python
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/orglife
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test setup lint bench seed-city help screenshots

help:
	@echo "make run    安装依赖、迁移内置 SQLite 数据库、载入演示数据并在 http://127.0.0.1:8000/ 启动"
	@echo "make test   安装依赖、启动 PostgreSQL 与 Redis，运行全部测试"
	@echo "make lint   ruff 检查"
	@echo "make bench  在 PostgreSQL 上运行性能基准（见 bench/README.md）"
	@echo "make screenshots  用浏览器旅程（Chromium）重新生成 docs/screenshots/ 下的截图"

setup:
	$(UV) sync --frozen --compile-bytecode
	@scripts/vendor-echarts.sh

run: setup
	@scripts/system-deps.sh run
	@$(PY) scripts/local_keys.py
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --skip-if-exists
	@echo "打开 http://127.0.0.1:8000/ ，用上面的演示账号登录。"
	$(PY) manage.py runserver_with_worker 127.0.0.1:8000

test: setup
	@scripts/system-deps.sh test
	@scripts/ensure-services.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(UV) run --frozen pytest --create-db $(PYTEST_ARGS)

lint: setup
	$(UV) run --frozen ruff check .

bench: setup
	@scripts/ensure-services.sh
	$(UV) run --frozen python bench/run.py $(BENCH_ARGS)

# The browser journeys of each role (tests/e2e/test_workbench_journeys.py) save what they see.
screenshots: setup
	@scripts/system-deps.sh test
	@scripts/ensure-services.sh
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(UV) run --frozen pytest --create-db -p no:cacheprovider tests/e2e/test_workbench_journeys.py
