# mmseg-dplnet: the two commands of the README.
#   make test   set up .venv if needed, then run the test suite
#   make demo   set up .venv if needed, then run the RGB-D demo
#               (HOST=mit, the default: frozen SegFormer MiT, results in
#               work_dirs/demo; HOST=vit: frozen mmpretrain ViT, results in
#               work_dirs/demo_vit)
VENV ?= .venv
HOST ?= mit
PYTHON := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.mmseg-dplnet-setup

.PHONY: setup test demo

setup: $(SETUP_STAMP)

$(SETUP_STAMP): setup.py requirements/runtime.txt requirements/mminstall.txt \
		requirements/tests.txt requirements/deploy.txt tools/misc/setup_env.sh
	bash tools/misc/setup_env.sh $(VENV)
	touch $@

test: setup
	$(PYTHON) -m pytest tests

demo: setup
	$(PYTHON) tools/misc/run_demo.py --host $(HOST)
