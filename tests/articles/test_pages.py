def test_home_lists_a_published_piece(client, make_piece):
    make_piece("Hello world")
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/articles/hello-world">Hello world</a>' in page
