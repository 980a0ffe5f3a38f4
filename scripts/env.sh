# Sourced by the project's scripts: testcontainers-go settings for machines that run their
# own Docker engine inside a container (as CI machines do): reach published ports on
# localhost, and do without the Ryuk reaper, whose image cannot be pulled without a
# registry (the tests and the CLI remove their own containers).
if [ -f /.dockerenv ]; then
  export TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-localhost}
fi
export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}
