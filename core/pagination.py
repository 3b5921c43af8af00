"""The API's pagination: pages of 20 (PAGE_SIZE), up to 100 with `page_size`.

Nothing here may import `rest_framework.views`: DRF imports this class while building its
APIView defaults.
"""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
