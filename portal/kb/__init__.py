"""Help center articles: import, rendering, browsing, the welcome guides."""
