# Shortcuts for setup.sh, which is what README.md documents (a bare Debian 12 has no make).
#   make run [PORT=5000]   bash setup.sh serve
#   make test              bash setup.sh test
#   make lock              bash setup.sh lock

.PHONY: run test lock

run:
	PORT=$(or $(PORT),5000) bash setup.sh serve

test:
	bash setup.sh test

lock:
	bash setup.sh lock
