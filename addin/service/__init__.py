"""The add-in backend as a service: typed requests and their limits (`requests`, `limits`), the
ASGI guard in front of xlwings Server (`guard`) and the process pool that runs the ribbon
scripts away from the cell functions (`script_pool`)."""
