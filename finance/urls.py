"""API routes of the finance app, mounted under /api/v1/."""

from django.urls import path

from finance import api

urlpatterns = [
    path(
        "finance/withdrawal-methods/",
        api.WithdrawalMethodList.as_view(),
        name="api-finance-withdrawal-methods",
    ),
    path(
        "finance/withdrawal-methods/<int:pk>/",
        api.WithdrawalMethodDetail.as_view(),
        name="api-finance-withdrawal-method",
    ),
    path("finance/balance/", api.BalanceView.as_view(), name="api-finance-balance"),
    path("finance/transactions/", api.TransactionList.as_view(), name="api-finance-transactions"),
    path("finance/withdrawals/", api.WithdrawalList.as_view(), name="api-finance-withdrawals"),
    path("finance/reports/", api.ReportView.as_view(), name="api-finance-reports"),
]
