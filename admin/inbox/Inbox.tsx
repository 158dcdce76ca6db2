// The inbox screen: "New email", filters and the conversation list on the left, the open
// conversation (with the visitor's details) beside it.
import { ConversationView } from '../conversation/ConversationView';
import { ErrorBox } from '../components/ui';
import { ConversationList } from './ConversationList';
import { InboxFilters } from './InboxFilters';
import { NewEmailButton } from './NewEmail';
import { useInbox } from './useInbox';

export function Inbox({ conversationId }: { conversationId: string | null }) {
  const { state, loadMore } = useInbox();

  return (
    <div class={conversationId ? 'inbox has-open' : 'inbox'}>
      <section class="list-pane" aria-labelledby="inbox-h">
        <div class="pane-head">
          <h1 id="inbox-h">Inbox</h1>
          <NewEmailButton />
        </div>
        <InboxFilters />
        <ErrorBox error={state.error} />
        <ConversationList items={state.items} openId={conversationId} loading={state.loading} />
        {state.nextCursor ? (
          <button type="button" class="btn subtle load-more" data-testid="load-more" disabled={state.loadingMore} onClick={() => void loadMore()}>
            {state.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </section>
      {conversationId ? (
        <ConversationView key={conversationId} id={conversationId} />
      ) : (
        <section class="conv-empty" aria-label="Conversation">
          <p>Select a conversation to read and reply.</p>
        </section>
      )}
    </div>
  );
}
