"""The API's one router: a path's GET (api.reads) and its writes (api.writes) must share it."""

from ninja import Router

router = Router()
