"""The inside view: the model's real tensors for one image, drawn as the article's diagram."""
